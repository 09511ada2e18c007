package io.sidestep.core.netty;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DecoratingHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2LifecycleManager;

/**
 * The two limits Netty's codec builder puts on what a server's codec writes, for a relay's codec,
 * which {@link Http2Link} builds from its parts (to write header blocks with {@link NginxHpack})
 * and so without the builder's own, which are not public. Past either limit the connection ends
 * with a GOAWAY of ENHANCE_YOUR_CALM:
 *
 * <ul>
 *   <li>Control frames the peer made the relay write (SETTINGS and PING acknowledgements, stream
 *       resets) and that are not yet written out: {@value #MAX_QUEUED_CONTROL_FRAMES}. A peer that
 *       sends PINGs and never reads would otherwise grow the relay's write queue without end.
 *   <li>Stream resets for errors (not CANCEL or NO_ERROR) the relay wrote in {@value
 *       #RESET_WINDOW_SECONDS} seconds: {@value #MAX_ERROR_RESETS}. A peer that makes the relay
 *       reset its streams, one frame at a time, could otherwise open and abandon streams past the
 *       limit on resets it sends itself.
 * </ul>
 */
final class EncoderLimits extends DecoratingHttp2ConnectionEncoder {
  static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
  static final int MAX_ERROR_RESETS = 200;
  static final int RESET_WINDOW_SECONDS = 30;
  private static final long RESET_WINDOW_NANOS =
      java.util.concurrent.TimeUnit.SECONDS.toNanos(RESET_WINDOW_SECONDS);

  private Http2LifecycleManager lifecycle;
  private int queued;
  private final ChannelFutureListener written = f -> queued--;
  private boolean ended;
  private long windowStart = System.nanoTime();
  private int resetsInWindow;

  EncoderLimits(Http2ConnectionEncoder encoder) {
    super(encoder);
  }

  @Override
  public void lifecycleManager(Http2LifecycleManager lifecycleManager) {
    this.lifecycle = lifecycleManager;
    super.lifecycleManager(lifecycleManager);
  }

  @Override
  public ChannelFuture writeSettingsAck(ChannelHandlerContext ctx, ChannelPromise promise) {
    return super.writeSettingsAck(ctx, counted(ctx, promise));
  }

  @Override
  public ChannelFuture writePing(
      ChannelHandlerContext ctx, boolean ack, long data, ChannelPromise promise) {
    return super.writePing(ctx, ack, data, ack ? counted(ctx, promise) : promise);
  }

  @Override
  public ChannelFuture writeRstStream(
      ChannelHandlerContext ctx, int streamId, long errorCode, ChannelPromise promise) {
    ChannelFuture f = super.writeRstStream(ctx, streamId, errorCode, counted(ctx, promise));
    if (errorCode != Http2Error.CANCEL.code() && errorCode != Http2Error.NO_ERROR.code()) {
      long now = System.nanoTime();
      if (now - windowStart >= RESET_WINDOW_NANOS) {
        windowStart = now;
        resetsInWindow = 0;
      }
      if (++resetsInWindow > MAX_ERROR_RESETS) {
        end(ctx, "more than " + MAX_ERROR_RESETS + " streams reset for errors");
      }
    }
    return f;
  }

  /** {@code promise}, counted as a queued control frame until it is written. */
  private ChannelPromise counted(ChannelHandlerContext ctx, ChannelPromise promise) {
    if (ended) {
      return promise;
    }
    if (queued >= MAX_QUEUED_CONTROL_FRAMES) {
      ctx.flush(); // what can go out goes, and its listeners count it off
    }
    if (queued >= MAX_QUEUED_CONTROL_FRAMES) {
      end(ctx, MAX_QUEUED_CONTROL_FRAMES + " control frames waiting to be written");
      return promise;
    }
    queued++;
    return promise.unvoid().addListener(written);
  }

  private void end(ChannelHandlerContext ctx, String why) {
    if (!ended) {
      ended = true;
      lifecycle.onError(
          ctx, true, Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "%s", why));
      ctx.close();
    }
  }
}
