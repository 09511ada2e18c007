package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;

/**
 * Counts, for the metrics, what a connection's first bytes were: a TLS handshake (and then whether
 * it completed) or not TLS at all. Sits first in the pipeline and leaves after the first read.
 */
final class FirstBytes extends ChannelInboundHandlerAdapter {

  private final Metrics metrics;
  private Boolean tls;

  FirstBytes(Metrics metrics) {
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (tls == null && msg instanceof ByteBuf b && b.isReadable()) {
      tls = b.getByte(b.readerIndex()) == 0x16;
      if (!tls) {
        metrics.probe("not_tls");
      }
    }
    ctx.fireChannelRead(msg);
    if (tls == null || ctx.isRemoved()) {
      return;
    }
    // The sniffer puts the TLS handler in place once it has seen enough of the record header.
    SslHandler ssl = tls ? ctx.pipeline().get(SslHandler.class) : null;
    if (ssl != null) {
      ssl.handshakeFuture().addListener(f -> metrics.handshake(f.isSuccess()));
    }
    if (!tls || ssl != null) {
      ctx.pipeline().remove(this);
    }
  }
}
