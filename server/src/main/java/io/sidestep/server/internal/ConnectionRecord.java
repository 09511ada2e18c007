package io.sidestep.server.internal;

import io.sidestep.core.net.Printable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client connection did, logged once when it closes: at INFO for a user ({@code user=NAME
 * result=ok up=BYTES down=BYTES duration=MS}), at DEBUG for a stranger. Only with {@code
 * logDestinations} does the line name the destination ({@code dest=HOST:PORT}) and a failure's
 * detail, which can name it too (a resolver's or a socket's message): by default the relay keeps no
 * browsing history. Never holds a token. Touched only from the connection's event loop.
 */
public final class ConnectionRecord {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Connections");

  private final long start = System.nanoTime();
  private final boolean logDestinations;
  private String user;
  private String destination;
  private String result = "closed";
  private String detail;
  private long up;
  private long down;
  private int dnsQueries;
  private boolean logged;
  private java.util.function.LongConsumer upMeter = n -> {};
  private java.util.function.LongConsumer downMeter = n -> {};
  private java.util.function.Consumer<String> results = r -> {};

  public ConnectionRecord(boolean logDestinations) {
    this.logDestinations = logDestinations;
  }

  public void user(String name) {
    this.user = name;
  }

  public String user() {
    return user;
  }

  public void destination(String d) {
    this.destination = d;
  }

  public void result(String r, String detail) {
    this.result = r;
    this.detail = detail;
    results.accept(r);
  }

  /**
   * Where the user's bytes (each way) and results are counted too: its account's usage and the
   * metrics; set once admitted.
   */
  public void meter(
      java.util.function.LongConsumer up,
      java.util.function.LongConsumer down,
      java.util.function.Consumer<String> results) {
    this.upMeter = up;
    this.downMeter = down;
    this.results = results;
  }

  public void up(long n) {
    up += n;
    upMeter.accept(n);
  }

  public void down(long n) {
    down += n;
    downMeter.accept(n);
  }

  public void dnsQuery() {
    dnsQueries++;
  }

  public void log() {
    if (logged) {
      return;
    }
    logged = true;
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (user == null) {
      log.debug("stranger result={} duration={}ms", result, ms);
      return;
    }
    StringBuilder sb = new StringBuilder("user=").append(user);
    if (logDestinations) {
      sb.append(" dest=").append(destination == null ? "-" : clean(destination));
    }
    if (dnsQueries > 0) {
      sb.append(" doh=").append(dnsQueries);
    }
    sb.append(" result=").append(result);
    sb.append(" up=").append(up).append(" down=").append(down);
    sb.append(" duration=").append(ms).append("ms");
    if (detail != null && logDestinations) {
      sb.append(" (").append(clean(detail)).append(')');
    }
    log.info(sb.toString());
  }

  /**
   * Log lines stay one line: control characters from a client are escaped, and the text is cut at
   * 300 characters.
   */
  static String clean(String s) {
    return Printable.escape(s.length() > 300 ? s.substring(0, 300) : s);
  }
}
