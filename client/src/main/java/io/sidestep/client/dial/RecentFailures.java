package io.sidestep.client.dial;

import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The most recent connection failure per destination, kept briefly so that a door which only sees a
 * bare failure (the HTTP door behind its internal SOCKS5 hop sees a reply code, and LittleProxy
 * turns it into a generic 502) can tell its user the real reason. Thread-safe; bounded to {@link
 * #DEFAULT_CAPACITY} destinations (the oldest entry goes first) and entries expire after {@link
 * #DEFAULT_TTL}. A success for a destination forgets its failure.
 */
public final class RecentFailures {

  /** How long a failure is remembered: 10 s (the door asks within milliseconds). */
  public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);

  /** How many destinations are remembered at most: 256. */
  public static final int DEFAULT_CAPACITY = 256;

  /** One remembered failure: its kind and its message (which is safe to show, never a secret). */
  public record Failure(DialException.Kind kind, String message) {}

  private record Entry(Failure failure, long atNanos) {}

  private final long ttlNanos;
  private final LongSupplier clock;
  private final Map<Destination, Entry> entries;

  /** With {@link #DEFAULT_TTL}, {@link #DEFAULT_CAPACITY} and {@link System#nanoTime()}. */
  public RecentFailures() {
    this(DEFAULT_TTL, DEFAULT_CAPACITY, System::nanoTime);
  }

  public RecentFailures(Duration ttl, int capacity, LongSupplier nanoClock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive, got " + ttl);
    }
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
    }
    this.ttlNanos = ttl.toNanos();
    this.clock = Objects.requireNonNull(nanoClock, "nanoClock");
    this.entries =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Destination, Entry> eldest) {
            return size() > capacity;
          }
        };
  }

  /** Remembers {@code cause} as the latest failure for {@code destination}. */
  public void record(Destination destination, DialException cause) {
    Failure f =
        new Failure(cause.kind(), Objects.toString(cause.getMessage(), cause.kind().name()));
    long now = clock.getAsLong();
    synchronized (entries) {
      // Re-inserting moves it to the young end, so eviction takes the oldest failure.
      entries.remove(destination);
      entries.put(destination, new Entry(f, now));
    }
  }

  /** Forgets any failure for {@code destination} (a connection to it succeeded). */
  public void forget(Destination destination) {
    synchronized (entries) {
      entries.remove(destination);
    }
  }

  /** The failure remembered for {@code destination}, if one came within the TTL. */
  public Optional<Failure> recent(Destination destination) {
    long now = clock.getAsLong();
    synchronized (entries) {
      Entry e = entries.get(destination);
      if (e == null) {
        return Optional.empty();
      }
      if (now - e.atNanos() > ttlNanos) {
        entries.remove(destination);
        return Optional.empty();
      }
      return Optional.of(e.failure());
    }
  }
}
