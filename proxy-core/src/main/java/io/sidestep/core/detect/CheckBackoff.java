package io.sidestep.core.detect;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * When a host may be checked again: at once the first time, then after each check that proved
 * nothing a wait that doubles, from {@link #DEFAULT_FIRST} (30 s) up to {@link #DEFAULT_MAX} (1 h).
 * A check that is running counts as one that proved nothing until it ends, so two slow downloads
 * from one host start one check. {@link #forget} starts a host afresh. Remembers at most {@value
 * #DEFAULT_HOSTS} hosts (the oldest go first). Thread-safe.
 */
public final class CheckBackoff {

  /** The wait after the first check that proved nothing: 30 s, a page or two later. */
  public static final Duration DEFAULT_FIRST = Duration.ofSeconds(30);

  /** The longest wait: 1 h, what a check costs the relay (a sample) stays small. */
  public static final Duration DEFAULT_MAX = Duration.ofHours(1);

  public static final int DEFAULT_HOSTS = 10_000;

  private record State(int failures, Instant notBefore) {}

  private final Duration first;
  private final Duration max;
  private final Clock clock;
  private final Map<String, State> hosts;

  public CheckBackoff(Clock clock) {
    this(DEFAULT_FIRST, DEFAULT_MAX, DEFAULT_HOSTS, clock);
  }

  public CheckBackoff(Duration first, Duration max, int maxHosts, Clock clock) {
    if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
      throw new IllegalArgumentException(
          "backoff: " + first + " to " + max + " (expected: 0 < first <= max)");
    }
    this.first = first;
    this.max = max;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.hosts =
        new LinkedHashMap<>() {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, State> eldest) {
            return size() > maxHosts;
          }
        };
  }

  /**
   * Whether {@code host} may be checked now; if so, the check is taken as started (the host waits
   * as if it proved nothing until {@link #inconclusive} or {@link #forget}).
   */
  public synchronized boolean tryStart(String host) {
    Instant now = clock.instant();
    State s = hosts.get(host);
    int failures = s == null ? 0 : s.failures();
    if (s != null && now.isBefore(s.notBefore())) {
      return false;
    }
    hosts.put(host, new State(failures, now.plus(wait(failures + 1))));
    return true;
  }

  /** The check of {@code host} proved nothing: the next waits twice as long as the last. */
  public synchronized void inconclusive(String host) {
    State s = hosts.get(host);
    int failures = (s == null ? 0 : s.failures()) + 1;
    hosts.put(host, new State(failures, clock.instant().plus(wait(failures))));
  }

  /** Starts {@code host} afresh (it was learned, say). */
  public synchronized void forget(String host) {
    hosts.remove(host);
  }

  /** How long a host waits after {@code failures} checks that proved nothing. */
  public Duration wait(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    Duration d = first;
    for (int i = 1; i < failures && d.compareTo(max) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(max) > 0 ? max : d;
  }
}
