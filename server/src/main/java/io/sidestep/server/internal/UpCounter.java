package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Counts the bytes written to an origin below the HTTP encoder, so a forwarded request is counted
 * as it goes on the wire, head included.
 */
final class UpCounter extends ChannelOutboundHandlerAdapter {
  private final ConnectionRecord record;

  UpCounter(ConnectionRecord record) {
    this.record = record;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b) {
      record.up(b.readableBytes());
    }
    ctx.write(msg, promise);
  }
}
