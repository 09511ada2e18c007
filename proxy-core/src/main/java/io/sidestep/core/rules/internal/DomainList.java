package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;
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
      String s = raw;
      int hash = s.indexOf('#');
      while (hash >= 0) {
        if (hash == 0 || Character.isWhitespace(s.charAt(hash - 1))) {
          s = s.substring(0, hash);
          break;
        }
        hash = s.indexOf('#', hash + 1);
      }
      s = s.trim();
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
      for (int k = 1; k < tokens.length; k++) {
        if (!tokens[k].startsWith("@")) {
          t.skip(line, "more than one name on the line");
          tokens = null;
          break;
        }
      }
      if (tokens == null) {
        continue;
      }
      domainEntry(tokens[0], t, line);
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
