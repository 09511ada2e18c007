package io.sidestep.core.network;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network the computer is on now, re-read from a {@link NetworkSource} every few seconds (a
 * daemon thread, {@link #DEFAULT_POLL} by default) and whenever someone asks ({@link #recheckSoon},
 * such as after a failed connection), so that a laptop that moves is noticed. Listeners hear of
 * each change, on the checking thread.
 *
 * <p>The gateway's hardware address comes from the neighbour table, which may lack it for a while
 * (before the first packet to the gateway, or after the entry expired). A reading that only lacks
 * it is the same network as before and keeps its id; one that adds it gives the id its hardware
 * part (an id {@link Network#sameNetwork} takes as the same network).
 *
 * <p>Thread-safe; {@link #current()} is a volatile read, cheap on an event loop.
 */
public final class CurrentNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CurrentNetwork.class);

  /** How often the network is read again unless told otherwise: 5 seconds. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(5);

  private final NetworkSource source;
  private final List<Consumer<Optional<Network>>> listeners = new CopyOnWriteArrayList<>();
  private final Object lock = new Object();
  private final AtomicBoolean queued = new AtomicBoolean();
  private volatile Network.Facts facts;
  private volatile Optional<Network> current;
  private ScheduledExecutorService thread;

  /** Reads the network once now; nothing runs in the background until {@link #watch}. */
  public CurrentNetwork(NetworkSource source) {
    this.source = Objects.requireNonNull(source, "source");
    this.facts = read();
    this.current = Network.of(facts);
  }

  /** The network now; empty when it cannot be told (no default gateway, or another system). */
  public Optional<Network> current() {
    return current;
  }

  /** Calls {@code listener} with the new network after each change. */
  public void onChange(Consumer<Optional<Network>> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Reads the network again every {@code poll} on a daemon thread of its own.
   *
   * @return this
   */
  public CurrentNetwork watch(Duration poll) {
    if (poll.isNegative() || poll.isZero()) {
      throw new IllegalArgumentException("poll: " + poll + " (expected: > 0)");
    }
    synchronized (lock) {
      if (thread == null) {
        thread =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "sidestep-network-watch");
                  t.setDaemon(true);
                  return t;
                });
        long ms = poll.toMillis();
        thread.scheduleWithFixedDelay(this::quietRecheck, ms, ms, TimeUnit.MILLISECONDS);
      }
    }
    return this;
  }

  /**
   * Asks for a re-read on the watching thread; returns at once (many asks at once make one read).
   * Without {@link #watch} it reads now, on the caller's thread.
   */
  public void recheckSoon() {
    ScheduledExecutorService t;
    synchronized (lock) {
      t = thread;
    }
    if (t == null) {
      quietRecheck();
    } else if (queued.compareAndSet(false, true)) {
      try {
        t.execute(
            () -> {
              queued.set(false);
              quietRecheck();
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        queued.set(false); // closed
      }
    }
  }

  /**
   * Reads the network again now and tells the listeners when it changed.
   *
   * @return whether it changed
   */
  public boolean recheck() {
    Optional<Network> was;
    Optional<Network> now;
    synchronized (lock) {
      Network.Facts seen = read();
      if (seen.hardware().isEmpty()
          && facts.hardware().isPresent()
          && seen.sameExceptHardware(facts)) {
        return false; // the neighbour entry went away; the network did not
      }
      facts = seen;
      was = current;
      now = Network.of(seen);
      if (now.equals(was)) {
        return false;
      }
      current = now;
    }
    log.info(
        "network: now {} (was {})",
        now.map(Network::toString).orElse("unknown"),
        was.map(Network::toString).orElse("unknown"));
    for (Consumer<Optional<Network>> l : listeners) {
      try {
        l.accept(now);
      } catch (RuntimeException e) {
        log.error("network: a listener failed: {}", e.toString());
      }
    }
    return true;
  }

  private void quietRecheck() {
    try {
      recheck();
    } catch (RuntimeException e) {
      log.error("network: check failed: {}", e.toString());
    }
  }

  private Network.Facts read() {
    try {
      Network.Facts f = source.read();
      return f == null ? Network.Facts.NONE : f;
    } catch (RuntimeException e) {
      return Network.Facts.NONE;
    }
  }

  /** Stops the watching thread. */
  @Override
  public void close() {
    synchronized (lock) {
      if (thread != null) {
        thread.shutdownNow();
      }
    }
  }
}
