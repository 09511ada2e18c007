package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.netty.TunnelOptions;
import java.net.InetSocketAddress;
import java.time.Duration;

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
        TunnelOptions.outbound(inbound.eventLoop(), Duration.ofSeconds(10))
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
          outbound.pipeline().addLast(Splice.NAME, new Splice(inbound, record::down));
          ctx.pipeline().replace(ctx.handler(), Splice.NAME, new Splice(outbound, record::up));
        });
  }
}
