package io.sidestep.client.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.relay.SpeedSample;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Measures the relay link now: asks a relay for its speed sample ({@link SpeedSample}) through an
 * ordinary tunnel of the given {@link RelayConnector} (so the rate is the one a relayed connection
 * gets, and failover is the connector's) and times the bytes from the tunnel's 200 (the relay sends
 * right behind it) to the last byte.
 */
public final class RelaySpeedSample {

  /** Default sample: 1 MiB, enough to get past TCP's slow start on a fast link. */
  public static final int DEFAULT_KIB = 1024;

  /** Default time for the whole sample: 10 s. What came by then is measured. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private RelaySpeedSample() {}

  /**
   * Completes with the transfer measured (possibly short of {@code kib} when the time ran out or
   * the relay closed early), or fails with a {@link DialException} when no tunnel could be opened
   * or no byte came.
   */
  public static Future<Transfer> measure(
      RelayConnector relays, EventLoop loop, int kib, Duration timeout) {
    Promise<Transfer> result = loop.newPromise();
    relays
        .connect(loop, SpeedSample.destination(kib))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                result.tryFailure(DialException.of(f.cause(), "relay speed sample"));
                return;
              }
              Channel ch = (Channel) f.getNow();
              Counter counter = new Counter(result, kib * 1024L);
              ch.pipeline().addLast("speed-sample", counter);
              HeldBytes.passOn(ch.pipeline());
              ScheduledFuture<?> deadline =
                  loop.schedule(counter::finish, timeout.toMillis(), TimeUnit.MILLISECONDS);
              result.addListener(
                  x -> {
                    deadline.cancel(false);
                    ch.close();
                  });
              ch.config().setAutoRead(true);
            });
    return result;
  }

  /** Counts the sample's bytes and drops them. */
  private static final class Counter extends ChannelInboundHandlerAdapter {
    private final Promise<Transfer> result;
    private final long expected;
    private final long start = System.nanoTime();
    private long bytes;
    private long last;

    Counter(Promise<Transfer> result, long expected) {
      this.result = result;
      this.expected = expected;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      long now = System.nanoTime();
      if (msg instanceof ByteBuf b && b.isReadable()) {
        last = now;
        bytes += b.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (bytes >= expected) {
        finish();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
        finish(); // the relay ended the sample (END_STREAM)
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish();
    }

    void finish() {
      if (bytes == 0 || last <= start) {
        result.tryFailure(
            new DialException(
                DialException.Kind.GENERAL,
                "relay speed sample: " + bytes + " bytes came (expected: " + expected + ")"));
        return;
      }
      result.trySuccess(new Transfer(bytes, Duration.ofNanos(last - start)));
    }
  }
}
