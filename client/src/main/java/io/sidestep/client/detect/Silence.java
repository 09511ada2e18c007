package io.sidestep.client.detect;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Silence on a watched channel, timed by Netty's {@link IdleStateHandler}: a watch puts one right
 * in front of itself ({@link #watch}), hears {@link #is a reader-idle event} once nothing was read
 * for the timeout, and takes it away when it has reported ({@link #stop}). Every detection handler
 * that waits for a first byte (or a next one) uses this, so silence is timed one way.
 */
final class Silence {
  private Silence() {}

  private static String name(ChannelHandlerContext ctx) {
    return ctx.name() + "-silence";
  }

  /** Starts (or restarts) timing silence in front of {@code ctx}'s handler. */
  static void watch(ChannelHandlerContext ctx, Duration timeout) {
    stop(ctx);
    ctx.pipeline()
        .addBefore(
            ctx.name(),
            name(ctx),
            new IdleStateHandler(Math.max(1, timeout.toMillis()), 0, 0, TimeUnit.MILLISECONDS));
  }

  /** Stops timing, if it was. */
  static void stop(ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(name(ctx)) != null) {
      ctx.pipeline().remove(name(ctx));
    }
  }

  /** Whether {@code evt} says nothing was read for the timeout. */
  static boolean is(Object evt) {
    return evt instanceof IdleStateEvent e && e.state() == IdleState.READER_IDLE;
  }
}
