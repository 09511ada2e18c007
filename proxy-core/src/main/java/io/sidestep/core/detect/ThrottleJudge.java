package io.sidestep.core.detect;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Tells throttling (technique 12) from a slow site: the same host, measured direct and through the
 * relay, is far slower direct while the relay is reasonably fast.
 *
 * <p>Two signals, each on medians of at least {@link Thresholds#minSamples} samples per side:
 *
 * <ul>
 *   <li>transfer rate: direct below {@link Thresholds#maxRatio} (1/5) of the relay's, the relay at
 *       least {@link Thresholds#minRelayBytesPerSecond} (100 kB/s), only samples of at least {@link
 *       Thresholds#minSampleBytes} (64 KiB) count, since small objects measure latency, not rate;
 *   <li>TLS handshake time: direct at least {@link Thresholds#minSlowHandshake} (2 s, Kazakhstan's
 *       2022–23 handshakes took 2–4 s) and at least 1/{@code maxRatio} (5×) the relay's.
 * </ul>
 *
 * A relay that is itself slow proves nothing; neither do too few samples.
 */
public final class ThrottleJudge {

  /**
   * The thresholds; {@link #DEFAULTS} are 3 samples, 64 KiB per transfer sample, ratio 0.2, relay
   * at least 100,000 bytes/s, direct handshake at least 2 s.
   */
  public record Thresholds(
      int minSamples,
      long minSampleBytes,
      double maxRatio,
      double minRelayBytesPerSecond,
      Duration minSlowHandshake) {
    public static final Thresholds DEFAULTS =
        new Thresholds(3, 65536, 0.2, 100_000, Duration.ofSeconds(2));

    public Thresholds {
      if (minSamples < 1) {
        throw new IllegalArgumentException("minSamples: " + minSamples + " (expected: >= 1)");
      }
      if (!(maxRatio > 0 && maxRatio < 1)) {
        throw new IllegalArgumentException("maxRatio: " + maxRatio + " (expected: 0 < r < 1)");
      }
    }
  }

  /** One transfer: {@code bytes} moved in {@code elapsed}. */
  public record Transfer(long bytes, Duration elapsed) {
    public double bytesPerSecond() {
      long nanos = Math.max(1, elapsed.toNanos());
      return bytes * 1e9 / nanos;
    }
  }

  /** Measurements of one host, each side's transfers and TLS handshake times. */
  public record Samples(
      List<Transfer> directTransfers,
      List<Transfer> relayTransfers,
      List<Duration> directHandshakes,
      List<Duration> relayHandshakes) {
    public Samples {
      directTransfers = List.copyOf(directTransfers);
      relayTransfers = List.copyOf(relayTransfers);
      directHandshakes = List.copyOf(directHandshakes);
      relayHandshakes = List.copyOf(relayHandshakes);
    }
  }

  private final Thresholds thresholds;
  private final Clock clock;

  public ThrottleJudge(Clock clock) {
    this(Thresholds.DEFAULTS, clock);
  }

  public ThrottleJudge(Thresholds thresholds, Clock clock) {
    this.thresholds = Objects.requireNonNull(thresholds, "thresholds");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public Thresholds thresholds() {
    return thresholds;
  }

  /** Evidence of throttling, or empty when the samples do not show it (or are too few). */
  public Optional<Evidence> judge(Samples s) {
    Optional<Evidence> byRate = byRate(s);
    return byRate.isPresent() ? byRate : byHandshake(s);
  }

  private Optional<Evidence> byRate(Samples s) {
    List<Double> direct = rates(s.directTransfers());
    List<Double> relay = rates(s.relayTransfers());
    if (direct.size() < thresholds.minSamples() || relay.size() < thresholds.minSamples()) {
      return Optional.empty();
    }
    double d = median(direct);
    double r = median(relay);
    if (r < thresholds.minRelayBytesPerSecond() || d >= r * thresholds.maxRatio()) {
      return Optional.empty();
    }
    return Optional.of(
        Evidence.of(
            Technique.THROTTLED,
            String.format(
                Locale.ROOT,
                "direct %s vs relay %s (median of %d and %d transfers)",
                rate(d),
                rate(r),
                direct.size(),
                relay.size()),
            clock));
  }

  private Optional<Evidence> byHandshake(Samples s) {
    if (s.directHandshakes().size() < thresholds.minSamples()
        || s.relayHandshakes().size() < thresholds.minSamples()) {
      return Optional.empty();
    }
    long d = medianMillis(s.directHandshakes());
    long r = medianMillis(s.relayHandshakes());
    if (d < thresholds.minSlowHandshake().toMillis() || d * thresholds.maxRatio() < r) {
      return Optional.empty();
    }
    return Optional.of(
        Evidence.of(
            Technique.THROTTLED,
            "TLS handshake direct %d ms vs relay %d ms (median of %d and %d)"
                .formatted(d, r, s.directHandshakes().size(), s.relayHandshakes().size()),
            clock));
  }

  private List<Double> rates(List<Transfer> transfers) {
    return transfers.stream()
        .filter(t -> t.bytes() >= thresholds.minSampleBytes())
        .map(Transfer::bytesPerSecond)
        .toList();
  }

  private static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }

  private static long medianMillis(List<Duration> values) {
    return Math.round(median(values.stream().map(d -> (double) d.toMillis()).toList()));
  }

  private static String rate(double bytesPerSecond) {
    return bytesPerSecond >= 1_000_000
        ? String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6)
        : String.format(Locale.ROOT, "%.1f kB/s", bytesPerSecond / 1e3);
  }
}
