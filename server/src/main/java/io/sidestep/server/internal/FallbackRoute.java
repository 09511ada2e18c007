package io.sidestep.server.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;

/**
 * Hands a connection whose first request is not a user's proxy request to the fallback web server,
 * the way trojan does: every byte the client has sent so far is replayed to it, and from then on
 * the two are spliced, so the client sees that server's own answers, byte for byte.
 */
final class FallbackRoute {

  private final Exchange ex;

  FallbackRoute(Exchange ex) {
    this.ex = ex;
  }

  void start(InetSocketAddress fallback) {
    ex.record().result("fallback", null);
    ChannelHandlerContext ctx = ex.ctx();
    ex.pause();
    ByteBuf sent = ctx.pipeline().get(Recorder.class).take(ctx);
    // The recorded bytes stand for everything decoded so far: drop the decoded copies.
    for (String name : new String[] {"guard", "http-decoder", "http-encoder"}) {
      if (ctx.pipeline().get(name) != null) {
        ctx.pipeline().remove(name);
      }
    }
    ex.stream(ReferenceCountUtil::release, false);
    ex.drain();
    Channel inbound = ctx.channel();
    ChannelFuture connected =
        new Bootstrap()
            .group(inbound.eventLoop())
            .channel(NioSocketChannel.class)
            .option(ChannelOption.AUTO_READ, false)
            .option(ChannelOption.TCP_NODELAY, true)
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {}
                })
            .connect(fallback);
    connected.addListener(
        f -> {
          Channel outbound = connected.channel();
          if (!f.isSuccess() || !inbound.isActive()) {
            outbound.close();
            sent.release();
            ex.close();
            return;
          }
          ConnectionRecord record = ex.record();
          record.up(sent.readableBytes());
          outbound.writeAndFlush(sent);
          outbound.pipeline().addLast("tunnel", new TunnelHandler(inbound, record, false));
          ctx.pipeline()
              .replace(ctx.handler(), "tunnel", new TunnelHandler(outbound, record, true));
          outbound.read();
          inbound.read();
        });
  }
}
