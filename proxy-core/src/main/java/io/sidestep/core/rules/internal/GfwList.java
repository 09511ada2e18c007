package io.sidestep.core.rules.internal;

/** gfwlist / AutoProxy / Adblock Plus lists: host rules, URL regexes and {@code @@} exceptions. */
final class GfwList {
  private GfwList() {}

  static void read(String text, ListTarget t) {
    Lines lines = new Lines(text);
    String raw;
    while ((raw = lines.next()) != null) {
      int line = lines.number();
      String s = raw.trim();
      if (s.isEmpty() || s.startsWith("!") || (s.startsWith("[") && s.endsWith("]"))) {
        continue;
      }
      if (s.contains("##") || s.contains("#@#") || s.contains("#?#") || s.contains("#$#")) {
        t.skip(line, "element-hiding rule");
        continue;
      }
      boolean exception = s.startsWith("@@");
      if (exception) {
        s = s.substring(2);
      }
      if (s.length() > 2 && s.startsWith("/") && s.endsWith("/")) {
        t.regex(s.substring(1, s.length() - 1), true, exception, line);
        continue;
      }
      int dollar = s.lastIndexOf('$');
      if (dollar > 0 && s.substring(dollar + 1).matches("[A-Za-z0-9~,=_.|-]*")) {
        s = s.substring(0, dollar);
      }
      if (s.startsWith("||")) {
        t.host(hostPart(s.substring(2)), true, exception, line);
      } else if (s.startsWith("|")) {
        t.host(hostPart(stripScheme(s.substring(1))), false, exception, line);
      } else {
        // A plain AutoProxy rule is a substring of the URL; by host, the sensible reading is
        // ".example.com" and "example.com" both as "example.com and the names below it".
        boolean scheme = s.contains("://");
        String host = hostPart(stripScheme(s));
        if (host.startsWith(".")) {
          t.host(host.substring(1), true, exception, line);
        } else {
          t.host(host, !scheme, exception, line);
        }
      }
    }
  }

  static String stripScheme(String s) {
    int i = s.indexOf("://");
    if (i >= 0 && i < 10) {
      return s.substring(i + 3);
    }
    return s;
  }

  /**
   * The host at the start of {@code s}: up to a path, query, port or ABP separator (also used for
   * the URLs of CSV lists).
   */
  static String hostPart(String s) {
    int end = s.length();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '/' || c == '?' || c == '#' || c == '^' || c == '|' || c == ':') {
        end = i;
        break;
      }
    }
    String h = s.substring(0, end);
    int at = h.lastIndexOf('@');
    if (at >= 0) {
      h = h.substring(at + 1);
    }
    // A bracketed IPv6 host keeps its colons.
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      if (close > 0) {
        h = s.substring(1, close);
      }
    }
    return h;
  }
}
