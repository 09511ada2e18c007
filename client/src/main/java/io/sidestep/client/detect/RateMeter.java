package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sidestep.core.detect.ThrottleJudge;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Measures a direct download as it passes: bytes and busy time (from the first byte, leaving out
 * pauses over {@value #PAUSE_MS} ms, when the user's side was simply not asking). When the
 * connection closes after at least {@link #MIN_BYTES} it reports the transfer, which detection
 * compares with the relay's speed for the same host (technique 12). Passes everything on.
 */
final class RateMeter extends ChannelInboundHandlerAdapter {

  static final String NAME = "detect-rate";

  /** A transfer this large or larger is measured: 256 KiB. */
  static final long MIN_BYTES = 256 * 1024;

  static final long PAUSE_MS = 1000;

  private final Consumer<ThrottleJudge.Transfer> report;
  private long bytes;
  private long busyNanos;
  private long last;

  RateMeter(Consumer<ThrottleJudge.Transfer> report) {
    this.report = report;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long now = System.nanoTime();
    if (msg instanceof ByteBuf b) {
      if (last != 0 && now - last <= PAUSE_MS * 1_000_000) {
        busyNanos += now - last;
      }
      last = now;
      bytes += b.readableBytes();
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (bytes >= MIN_BYTES && busyNanos > 0) {
      report.accept(new ThrottleJudge.Transfer(bytes, Duration.ofNanos(busyNanos)));
    }
    ctx.fireChannelInactive();
  }
}
