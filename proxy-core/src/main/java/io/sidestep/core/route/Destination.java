package io.sidestep.core.route;

import io.sidestep.core.net.IpLiterals;
import java.net.IDN;
import java.util.Locale;

/**
 * Where a connection wants to go: a host name or an IP literal, and a port.
 *
 * <p>Host names are normalised once here (lower case, no trailing dot, IDN in its ASCII punycode
 * form) so that every later stage compares like with like. IPv6 literals are kept without brackets.
 */
public record Destination(String host, int port) {

  public Destination {
    host = normalise(host);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
    }
  }

  public static Destination of(String host, int port) {
    return new Destination(host, port);
  }

  /**
   * Parses {@code host:port}, {@code [v6]:port}, or a bare host with {@code defaultPort}.
   *
   * @throws IllegalArgumentException with a message naming the value and what was expected
   */
  public static Destination parse(String text, int defaultPort) {
    String s = text.trim();
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("address: " + text + " (expected: [IPv6]:PORT)");
      }
      String host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        return new Destination(host, defaultPort);
      }
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException("address: " + text + " (expected: [IPv6]:PORT)");
      }
      return new Destination(host, parsePort(rest.substring(1), text));
    }
    int colon = s.lastIndexOf(':');
    if (colon < 0 || s.indexOf(':') != colon) {
      // no port, or a bare IPv6 literal
      return new Destination(s, defaultPort);
    }
    return new Destination(s.substring(0, colon), parsePort(s.substring(colon + 1), text));
  }

  private static int parsePort(String p, String whole) {
    try {
      int port = Integer.parseInt(p);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new IllegalArgumentException("port in '" + whole + "': " + p + " (expected: 1-65535)");
  }

  /** Normalises a host name for comparison: lower case, no trailing dot, punycode. */
  public static String normalise(String host) {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("host: '" + host + "' (expected: a name or address)");
    }
    String h = host.trim();
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".") && h.length() > 1) {
      h = h.substring(0, h.length() - 1);
    }
    if (IpLiterals.isIpLiteral(h)) {
      return h.toLowerCase(Locale.ROOT);
    }
    try {
      h = IDN.toASCII(h, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("host: '" + host + "' (expected: a valid host name)", e);
    }
    if (h.length() > 253) {
      throw new IllegalArgumentException(
          "host: too long, " + h.length() + " characters (expected: at most 253)");
    }
    return h.toLowerCase(Locale.ROOT);
  }

  public boolean isIpLiteral() {
    return IpLiterals.isIpLiteral(host);
  }

  /** {@code host:port}, with brackets around an IPv6 literal. */
  public String authority() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  @Override
  public String toString() {
    return authority();
  }
}
