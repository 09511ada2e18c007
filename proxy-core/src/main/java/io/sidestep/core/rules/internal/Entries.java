package io.sidestep.core.rules.internal;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.IpLiterals;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Checks a rule's value and adds it to an index as an entry; shared by files and lists. */
final class Entries {
  private Entries() {}

  static final String DOMAIN_EXPECTED = "a host name such as example.com";

  /**
   * Adds one entry of {@code type} with {@code value} (at {@code column} of its line).
   *
   * @throws LineError when the value does not fit the type
   */
  static void add(
      RuleIndex.Builder b, RuleType type, String value, int column, boolean noResolve, int line)
      throws LineError {
    switch (type) {
      case DOMAIN -> b.exact(domain(type, value, column), line);
      case DOMAIN_SUFFIX -> {
        String v = value;
        int skip = 0;
        if (v.startsWith("+.")) {
          skip = 2;
        } else if (v.startsWith(".")) {
          skip = 1;
        }
        b.suffix(domain(type, v.substring(skip), column + skip), line);
      }
      case DOMAIN_KEYWORD -> b.keyword(keyword(value, column), line);
      case DOMAIN_REGEX -> b.regex(regex(value, column), false, line);
      case IP_CIDR, IP_CIDR6 -> b.cidr(cidr(value, column), noResolve, line);
      case DST_PORT -> {
        int[] range = ports(value, column);
        b.port(range[0], range[1], line);
      }
      case MATCH -> b.match(line);
      case RULE_SET -> throw new LineError(column, "RULE-SET inside a list (expected: entries)");
    }
  }

  static String domain(RuleType type, String value, int column) throws LineError {
    String d;
    try {
      d = Names.domain(value);
    } catch (IllegalArgumentException e) {
      throw new LineError(
          column,
          "invalid domain '%s': %s (expected: %s)"
              .formatted(value, e.getMessage(), DOMAIN_EXPECTED));
    }
    if (IpLiterals.isIpLiteral(d)) {
      String block = value + (d.indexOf(':') >= 0 ? "/128" : "/32");
      throw new LineError(
          column,
          "%s value '%s' is an IP address (expected: %s; for addresses write IP-CIDR,%s)"
              .formatted(type.text(), value, DOMAIN_EXPECTED, block));
    }
    return d;
  }

  static String keyword(String value, int column) throws LineError {
    for (int i = 0; i < value.length(); i++) {
      if (Character.isWhitespace(value.charAt(i))) {
        throw new LineError(
            column + i, "space in keyword '" + value + "' (expected: part of a host name)");
      }
    }
    // A keyword is a substring, so a dot in it is meaningful ("ads." is not "ads"): kept as is.
    String k = value.toLowerCase(Locale.ROOT);
    if (k.isEmpty()) {
      throw new LineError(column, "empty keyword (expected: part of a host name)");
    }
    // A non-ASCII keyword stays Unicode: the index matches it against the host's Unicode form.
    return k;
  }

  static Pattern regex(String value, int column) throws LineError {
    try {
      return Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      int at = e.getIndex() >= 0 ? column + e.getIndex() : column;
      throw new LineError(
          at,
          "invalid regex '%s': %s (expected: a Java regular expression)"
              .formatted(value, e.getDescription()));
    }
  }

  static Cidr cidr(String value, int column) throws LineError {
    try {
      return Cidr.parse(value);
    } catch (IllegalArgumentException e) {
      throw new LineError(
          column,
          "invalid address block '%s' (expected: ADDRESS/PREFIX such as 10.0.0.0/8 or 2001:db8::/32)"
              .formatted(value));
    }
  }

  static int[] ports(String value, int column) throws LineError {
    int dash = value.indexOf('-');
    try {
      int lo = Integer.parseInt(dash < 0 ? value.trim() : value.substring(0, dash).trim());
      int hi = dash < 0 ? lo : Integer.parseInt(value.substring(dash + 1).trim());
      if (lo >= 1 && hi <= 65535 && lo <= hi) {
        return new int[] {lo, hi};
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw new LineError(
        column, "invalid port '" + value + "' (expected: 1-65535, or LOW-HIGH such as 8000-8999)");
  }
}
