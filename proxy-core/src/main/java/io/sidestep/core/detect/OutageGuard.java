package io.sidestep.core.detect;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Tells a local network outage from censorship: when every direct connect fails at once, the
 * failures are the network's, not the sites'. Feed it every direct connect's result; {@link
 * #networkDown} is true when, within the window, at least {@code minHosts} different hosts failed
 * to connect and no direct connect succeeded. Defaults: a 10 s window, 4 hosts. Only connect-level
 * failures belong here: a reset after a ClientHello proves the network itself works.
 *
 * <p>Thread-safe; pure (the caller supplies the time).
 */
public final class OutageGuard {

  private final Duration window;
  private final int minHosts;
  private final Deque<Event> events = new ArrayDeque<>();
  private static final int MAX_EVENTS = 1024;

  private record Event(Instant at, String host, boolean ok) {}

  /** A guard with a 10 s window that needs 4 failing hosts. */
  public OutageGuard() {
    this(Duration.ofSeconds(10), 4);
  }

  public OutageGuard(Duration window, int minHosts) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
    }
    if (minHosts < 1) {
      throw new IllegalArgumentException("minHosts: " + minHosts + " (expected: >= 1)");
    }
    this.window = window;
    this.minHosts = minHosts;
  }

  public synchronized void success(String host, Instant at) {
    add(new Event(at, host, true));
  }

  public synchronized void failure(String host, Instant at) {
    add(new Event(at, host, false));
  }

  /** Whether the local network looks down at {@code now}. */
  public synchronized boolean networkDown(Instant now) {
    prune(now);
    Set<String> failed = new HashSet<>();
    for (Event e : events) {
      if (e.ok()) {
        return false;
      }
      failed.add(e.host());
    }
    return failed.size() >= minHosts;
  }

  private void add(Event e) {
    events.addLast(e);
    while (events.size() > MAX_EVENTS) {
      events.removeFirst();
    }
    prune(e.at());
  }

  private void prune(Instant now) {
    Instant horizon = now.minus(window);
    for (Iterator<Event> it = events.iterator(); it.hasNext(); ) {
      if (it.next().at().isBefore(horizon)) {
        it.remove();
      }
    }
  }
}
