package io.sidestep.client.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a relay connection honest and not too old. After a quiet spell (an {@code IdleStateHandler}
 * reader-idle event) it sends an HTTP/2 PING; a second quiet spell in a row means the relay is gone
 * and the connection is closed, which fails its streams and lets the next tunnel fail over. After a
 * random lifetime between {@code lifetime} and twice that, {@code rotate} runs (a fresh connection
 * takes the new streams) and this one is closed gracefully: a GOAWAY, then the close once its last
 * stream has ended. It sits below the HTTP/2 codec, right after the idle handler.
 */
final class LinkKeeper extends ChannelInboundHandlerAdapter {

  private final Duration lifetime;
  private final Runnable rotate;
  private ScheduledFuture<?> timer;

  LinkKeeper(Duration lifetime, Runnable rotate) {
    this.lifetime = lifetime;
    this.rotate = rotate;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    long nanos = lifetime.toNanos();
    long at = nanos + ThreadLocalRandom.current().nextLong(Math.max(1, nanos));
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  rotate.run();
                  ctx.channel().close(); // graceful: the codec waits for the open streams
                },
                at,
                TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    timer.cancel(false);
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent idle) {
      if (idle.isFirst()) {
        ctx.channel().writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
      } else {
        // No answer to the PING either: the relay or the path to it is dead. Closed from here,
        // below the HTTP/2 codec, so that nothing waits for its streams.
        ctx.close();
      }
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }
}
