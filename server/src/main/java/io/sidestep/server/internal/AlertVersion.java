package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Sits under the TLS handler until its first write, which is either the server's hello or an alert
 * refusing the client's. BoringSSL frames such an alert as TLS 1.0 ({@code 03 01}); OpenSSL, under
 * nginx, as TLS 1.2 ({@code 03 03}). The alert gets OpenSSL's framing, so a refused hello does not
 * name the TLS library.
 */
final class AlertVersion extends ChannelOutboundHandlerAdapter {

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof ByteBuf b && b.readableBytes() >= 3) {
      int i = b.readerIndex();
      if (b.getUnsignedByte(i) == 0x15 && b.getUnsignedByte(i + 1) == 3) {
        b.setByte(i + 2, 3);
      }
      ctx.pipeline().remove(this);
    }
    ctx.write(msg, promise);
  }
}
