package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Counts the bytes read from an origin above the HTTP decoder, so a forwarded response is counted
 * as it came off the wire, head included.
 */
final class DownCounter extends ChannelInboundHandlerAdapter {
  private final ConnectionRecord record;

  DownCounter(ConnectionRecord record) {
    this.record = record;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      record.down(b.readableBytes());
    }
    ctx.fireChannelRead(msg);
  }
}
