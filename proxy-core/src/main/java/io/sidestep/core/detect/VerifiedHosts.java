package io.sidestep.core.detect;

import io.sidestep.core.route.Destination;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Destinations ({@code host:port}) whose direct certificate chain passed the {@link
 * InterceptionCheck} recently, so that a host costs at most one extra handshake per TTL. Defaults:
 * a 24 h TTL and at most 10,000 entries (the least recently used are dropped). Thread-safe.
 */
public final class VerifiedHosts {

  /** How long a good result is trusted by default: 24 h. */
  public static final Duration DEFAULT_TTL = Duration.ofHours(24);

  /** How many destinations are remembered by default: 10,000. */
  public static final int DEFAULT_MAX = 10_000;

  private final Duration ttl;
  private final Clock clock;
  private final Map<String, Instant> expiries;

  public VerifiedHosts(Duration ttl, int max, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.ttl = ttl;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.expiries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Instant> eldest) {
            return size() > max;
          }
        };
  }

  /** Whether {@code destination} passed the check less than the TTL ago. */
  public synchronized boolean fresh(Destination destination) {
    String key = destination.authority();
    Instant expiry = expiries.get(key);
    if (expiry == null) {
      return false;
    }
    if (!clock.instant().isBefore(expiry)) {
      expiries.remove(key);
      return false;
    }
    return true;
  }

  /** Records that {@code destination} passed the check now. */
  public synchronized void remember(Destination destination) {
    expiries.put(destination.authority(), clock.instant().plus(ttl));
  }

  public synchronized void forget(Destination destination) {
    expiries.remove(destination.authority());
  }

  public synchronized int size() {
    return expiries.size();
  }
}
