package io.sidestep.core.detect;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A rolling record of the user's line speed: the rates of recent direct transfers, by host. Asked
 * about one host, it answers with what the same network delivered from the others, so that a host
 * far slower than that is slow for a reason of its own (technique 12, or the site itself), not
 * because the user's line is. Thread-safe.
 *
 * <p>Defaults: the last {@value #DEFAULT_MAX} transfers of the last 30 minutes ({@link
 * #DEFAULT_KEPT_FOR}). The answer is their upper quartile: a line is as fast as it recently was at
 * its best, since slower transfers are slowed by their sites (or by a throttle not learned yet),
 * and the quartile rather than the maximum keeps one lucky burst from setting it. A host learned as
 * throttled is {@link #forget forgotten}, so that its slow transfers do not pass for the line's.
 */
public final class LineRate {

  /** Transfers remembered: 64. */
  public static final int DEFAULT_MAX = 64;

  /** How long a transfer says something about the line: 30 minutes (a laptop moves, lines vary). */
  public static final Duration DEFAULT_KEPT_FOR = Duration.ofMinutes(30);

  private record Sample(String host, double bytesPerSecond, Instant time) {}

  private final int max;
  private final Duration keptFor;
  private final Clock clock;
  private final Deque<Sample> samples = new ArrayDeque<>();

  public LineRate(Clock clock) {
    this(DEFAULT_MAX, DEFAULT_KEPT_FOR, clock);
  }

  public LineRate(int max, Duration keptFor, Clock clock) {
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.max = max;
    this.keptFor = Objects.requireNonNull(keptFor, "keptFor");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Remembers a direct transfer from {@code host} at {@code bytesPerSecond}. */
  public synchronized void record(String host, double bytesPerSecond) {
    Objects.requireNonNull(host, "host");
    if (!(bytesPerSecond > 0) || Double.isInfinite(bytesPerSecond)) {
      return;
    }
    samples.addLast(new Sample(host, bytesPerSecond, clock.instant()));
    while (samples.size() > max) {
      samples.removeFirst();
    }
  }

  /** Drops what {@code host} delivered: it was slow for a reason of its own. */
  public synchronized void forget(String host) {
    samples.removeIf(s -> s.host().equals(host));
  }

  /**
   * The upper quartile (nearest rank) of the rates of recent direct transfers from hosts other than
   * {@code host}, or empty when there are none.
   */
  public synchronized OptionalDouble excluding(String host) {
    Instant oldest = clock.instant().minus(keptFor);
    while (!samples.isEmpty() && samples.peekFirst().time().isBefore(oldest)) {
      samples.removeFirst();
    }
    List<Double> rates = new ArrayList<>();
    for (Sample s : samples) {
      if (!s.host().equals(host)) {
        rates.add(s.bytesPerSecond());
      }
    }
    if (rates.isEmpty()) {
      return OptionalDouble.empty();
    }
    Collections.sort(rates);
    int rank = (int) Math.ceil(0.75 * rates.size());
    return OptionalDouble.of(rates.get(rank - 1));
  }
}
