package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Measures a direct download as it passes, by the time the connection spent waiting for the far
 * end: from a read asked for (the splice asks once the user took the last bytes; with {@code
 * AUTO_READ} on, from the last read) to the bytes it brings. Time the user's side took is left out,
 * and so is a wait over {@link #IDLE} (the far end had nothing to send: between two responses, or a
 * stream paused), so a slow rate here is the path's. Passes everything on.
 *
 * <p>While the transfer runs, each {@link #WINDOW} of waiting is reported with the bytes that came
 * in it, so sustained slowness is seen before the user gives up; when the connection closes after
 * at least {@link #MIN_BYTES}, the whole transfer is reported.
 */
final class RateMeter extends ChannelDuplexHandler {

  static final String NAME = "detect-rate";

  /** A transfer this large or larger is reported at the close: 256 KiB. */
  static final long MIN_BYTES = 256 * 1024;

  /**
   * Sustained: 5 s of waiting for data. Long enough that TCP's slow start and a server's first
   * pause do not count, short enough to act well before a user gives up on a download (20 s or so).
   */
  static final Duration WINDOW = Duration.ofSeconds(5);

  /**
   * A wait longer than 2 s is the far end having nothing to send, not a slow path: a throttle
   * delivers something every few hundred milliseconds.
   */
  static final Duration IDLE = Duration.ofSeconds(2);

  /** What the meter reports. */
  interface Listener {
    /** {@link #WINDOW} of waiting has passed while the transfer runs: what came in it. */
    void window(Transfer window);

    /** The connection closed after at least {@link #MIN_BYTES}: the whole transfer. */
    void closed(Transfer whole);
  }

  private final Listener listener;
  private final LongSupplier nanoTime;
  private boolean waiting;
  private long since;
  private long bytes;
  private long busyNanos;
  private long windowBytes;
  private long windowNanos;

  /** Reports only the whole transfer, at the close. */
  RateMeter(Consumer<Transfer> closed) {
    this(
        new Listener() {
          @Override
          public void window(Transfer window) {}

          @Override
          public void closed(Transfer whole) {
            closed.accept(whole);
          }
        },
        System::nanoTime);
  }

  RateMeter(Listener listener, LongSupplier nanoTime) {
    this.listener = listener;
    this.nanoTime = nanoTime;
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    if (!waiting) {
      waiting = true;
      since = nanoTime.getAsLong();
    }
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b && b.isReadable()) {
      long now = nanoTime.getAsLong();
      boolean timed = waiting || (bytes > 0 && ctx.channel().config().isAutoRead());
      if (timed && now - since <= IDLE.toNanos()) {
        busyNanos += now - since;
        windowNanos += now - since;
      }
      waiting = false;
      since = now;
      bytes += b.readableBytes();
      windowBytes += b.readableBytes();
      if (windowNanos >= WINDOW.toNanos()) {
        Transfer w = new Transfer(windowBytes, Duration.ofNanos(windowNanos));
        windowBytes = 0;
        windowNanos = 0;
        listener.window(w);
      }
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (bytes >= MIN_BYTES && busyNanos > 0) {
      listener.closed(new Transfer(bytes, Duration.ofNanos(busyNanos)));
    }
    ctx.fireChannelInactive();
  }
}
