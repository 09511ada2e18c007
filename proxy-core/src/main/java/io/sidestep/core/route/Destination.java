package io.sidestep.core.route;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Printable;
import java.net.IDN;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where a connection wants to go: a host name or an IP literal, and a port.
 *
 * <p>Host names are checked and normalised once here, at the one boundary every door's input passes
 * (lower case, no trailing dot, IDN in its ASCII punycode form, nothing but letters, digits, {@code
 * .}, {@code -} and {@code _}; see {@link #normalise}), so that every later stage compares like
 * with like and no name can carry a rule or a log line of its own. IPv6 literals are kept without
 * brackets.
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
        throw new IllegalArgumentException(
            "address: " + Printable.escape(text) + " (expected: [IPv6]:PORT)");
      }
      String host = s.substring(1, close);
      String rest = s.substring(close + 1);
      if (rest.isEmpty()) {
        return new Destination(host, defaultPort);
      }
      if (!rest.startsWith(":")) {
        throw new IllegalArgumentException(
            "address: " + Printable.escape(text) + " (expected: [IPv6]:PORT)");
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
    throw new IllegalArgumentException(
        "port in '"
            + Printable.escape(whole)
            + "': "
            + Printable.escape(p)
            + " (expected: 1-65535)");
  }

  /**
   * Checks and normalises a host: an IP literal (an IPv6 one without brackets), or a name in lower
   * case without a trailing dot whose labels are IDNA-mapped to ASCII with the STD3 rules. What
   * remains is letters, digits, inner hyphens and {@code _} (which real host names carry), so a
   * name can never carry a space, a comma, a {@code #} or a line break into a rules line or a log.
   *
   * @throws IllegalArgumentException {@code host: 'VALUE' (expected: …)}, the value escaped
   */
  public static String normalise(String host) {
    if (host == null || host.isBlank()) {
      throw invalid(host);
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
    StringBuilder name = new StringBuilder(h.length());
    for (String label : LABEL_SEPARATORS.split(h, -1)) {
      if (name.length() > 0) {
        name.append('.');
      }
      name.append(asciiLabel(label, host));
    }
    if (name.length() > 253) {
      throw new IllegalArgumentException(
          "host: too long, " + name.length() + " characters (expected: at most 253)");
    }
    return name.toString().toLowerCase(Locale.ROOT);
  }

  // The dots IDNA treats as label separators.
  private static final Pattern LABEL_SEPARATORS = Pattern.compile("[.\u3002\uff0e\uff61]");
  private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_-]{1,63}");

  private static String asciiLabel(String label, String host) {
    String a = label;
    if (!label.chars().allMatch(c -> c < 0x80)) {
      try {
        a = IDN.toASCII(label, IDN.ALLOW_UNASSIGNED | IDN.USE_STD3_ASCII_RULES);
      } catch (IllegalArgumentException e) {
        throw invalid(host);
      }
    }
    if (!LABEL.matcher(a).matches() || a.startsWith("-") || a.endsWith("-")) {
      throw invalid(host);
    }
    return a;
  }

  private static IllegalArgumentException invalid(String host) {
    return new IllegalArgumentException(
        "host: '"
            + Printable.escape(host)
            + "' (expected: an IP address, or a name of letters, digits, '-' and '_' in labels"
            + " separated by '.')");
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
