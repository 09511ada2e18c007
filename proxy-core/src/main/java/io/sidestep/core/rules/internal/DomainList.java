package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;
import java.util.Arrays;
import java.util.Locale;

/**
 * Plain domain lists, also hosts files and v2fly {@code full:}, {@code domain:}, {@code keyword:},
 * {@code regexp:} prefixes.
 */
final class DomainList {
  private DomainList() {}

  static void read(String text, ListTarget t) {
    Lines lines = new Lines(text);
    String raw;
    while ((raw = lines.next()) != null) {
      int line = lines.number();
      String s = Lines.stripComment(raw).trim();
      if (s.isEmpty()) {
        continue;
      }
      String[] tokens = hasSpace(s) ? s.split("\\s+") : new String[] {s};
      if (tokens.length > 1 && IpLiterals.isIpLiteral(tokens[0])) {
        // A hosts file: "0.0.0.0 name other-name".
        for (int k = 1; k < tokens.length; k++) {
          t.host(tokens[k], false, false, line);
        }
        continue;
      }
      if (Arrays.stream(tokens, 1, tokens.length).allMatch(k -> k.startsWith("@"))) {
        domainEntry(tokens[0], t, line);
      } else {
        t.skip(line, "more than one name on the line");
      }
    }
  }

  private static boolean hasSpace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isWhitespace(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private static void domainEntry(String v, ListTarget t, int line) {
    int colon = v.indexOf(':');
    if (colon > 0 && !IpLiterals.isIpLiteral(v) && v.indexOf('/') < 0) {
      String prefix = v.substring(0, colon).toLowerCase(Locale.ROOT);
      String rest = v.substring(colon + 1);
      switch (prefix) {
        case "full" -> t.host(rest, false, false, line);
        case "domain" -> t.host(rest, true, false, line);
        case "keyword" -> t.keyword(rest, false, line);
        case "regexp" -> t.regex(rest, false, false, line);
        default -> t.skip(line, "unknown prefix '" + prefix + ":'");
      }
      return;
    }
    if (v.indexOf('/') > 0 && !v.contains("://")) {
      t.cidr(v, line);
    } else {
      t.dottedName(v, line);
    }
  }
}
