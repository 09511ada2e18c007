package io.sidestep.core.detect;

import io.sidestep.core.detect.ThrottleJudge.Transfer;
import java.time.Clock;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Judges one slow direct transfer as it runs (technique 12) without knowing its URL: the host's
 * direct rate is compared with the user's line speed (what other hosts delivered direct recently,
 * {@link LineRate}) and with the relay link now (a speed sample of the relay's own). Throttled when
 * the host is far slower than both.
 *
 * <p>The relay's sample crosses the user's line too, so it is also a lower bound of the line's
 * speed: with no recent direct transfers on record, the line is taken to be at least as fast as the
 * sample, and the evidence says so.
 */
public final class LiveThrottleJudge {

  /**
   * "Far slower" is below a fifth of both. Throttles seen in the wild hold a site to tens or a few
   * hundred kB/s on lines of megabytes a second (10× and more), while a busy site or a long route
   * is seldom five times slower than the line; the gap between leaves room for both.
   */
  public static final double MAX_RATIO = 0.2;

  /**
   * A relay sample below 100 kB/s proves nothing: the line itself is then too slow to tell a
   * throttle from congestion.
   */
  public static final double MIN_RELAY_RATE = 100_000;

  /** A relay sample smaller than 64 KiB measures the round trip, not the rate. */
  public static final long MIN_RELAY_BYTES = 64 * 1024;

  /** What the check concluded. */
  public sealed interface Verdict {
    /** The host is throttled: learn it with this evidence. */
    record Throttled(Evidence evidence) implements Verdict {}

    /** Not shown: the reason, with the figures, for the log. */
    record NotShown(String reason) implements Verdict {}
  }

  private final Clock clock;

  public LiveThrottleJudge(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * @param direct the host's slow direct transfer (bytes and the time the connection waited for
   *     them)
   * @param line the user's line rate from recent direct transfers from other hosts ({@link
   *     LineRate}), if any
   * @param relay the relay's speed sample, empty when none could be had
   */
  public Verdict judge(Transfer direct, OptionalDouble line, Optional<Transfer> relay) {
    double d = direct.bytesPerSecond();
    if (relay.isEmpty() || relay.get().bytes() < MIN_RELAY_BYTES) {
      return new Verdict.NotShown("direct " + rate(d) + "; no usable relay sample");
    }
    double r = relay.get().bytesPerSecond();
    if (r < MIN_RELAY_RATE) {
      return new Verdict.NotShown(
          "direct " + rate(d) + "; relay sample " + rate(r) + " too slow to compare");
    }
    if (d >= r * MAX_RATIO) {
      return new Verdict.NotShown("direct " + rate(d) + " not far slower than relay " + rate(r));
    }
    if (line.isPresent() && d >= line.getAsDouble() * MAX_RATIO) {
      return new Verdict.NotShown(
          "direct "
              + rate(d)
              + " not far slower than the line, "
              + rate(line.getAsDouble())
              + " from other sites");
    }
    String lineText =
        line.isPresent()
            ? "line " + rate(line.getAsDouble()) + " (other sites, direct)"
            : "line at least the relay's (no direct transfers on record)";
    return new Verdict.Throttled(
        Evidence.of(
            Technique.THROTTLED,
            String.format(
                Locale.ROOT,
                "direct %s vs relay %s and %s; direct %d KiB in %.1f s, relay sample %d KiB",
                rate(d),
                rate(r),
                lineText,
                direct.bytes() / 1024,
                direct.elapsed().toMillis() / 1000.0,
                relay.get().bytes() / 1024),
            clock));
  }

  static String rate(double bytesPerSecond) {
    return bytesPerSecond >= 1_000_000
        ? String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6)
        : String.format(Locale.ROOT, "%.1f kB/s", bytesPerSecond / 1e3);
  }
}
