package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Keeps a copy of every byte a new connection sends until its first request is judged, so that a
 * connection handed to the fallback web server can be replayed to it byte for byte. Reads are asked
 * for one at a time, so the copy holds one request head and at most one read beyond it.
 */
final class Recorder extends ChannelInboundHandlerAdapter {

  private CompositeByteBuf bytes;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    bytes = ctx.alloc().compositeBuffer(Integer.MAX_VALUE);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b && bytes != null) {
      bytes.addComponent(true, b.retainedDuplicate());
    }
    ctx.fireChannelRead(msg);
  }

  /** What was recorded; the caller owns it. This handler leaves the pipeline. */
  ByteBuf take(ChannelHandlerContext any) {
    ByteBuf b = bytes;
    bytes = null;
    any.pipeline().remove(this);
    return b;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (bytes != null) {
      bytes.release();
      bytes = null;
    }
  }
}
