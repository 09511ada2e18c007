package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;

/**
 * Clash rule providers: a YAML {@code payload:} (classical or domain entries) or bare classical
 * lines.
 */
final class ClashList {
  private ClashList() {}

  static void read(String text, ListTarget t) throws LineError {
    Lines lines = new Lines(text);
    String raw;
    int payload = -1;
    String payloadLine = null;
    while ((raw = lines.next()) != null) {
      if (raw.startsWith("payload:")) {
        payload = lines.number();
        payloadLine = raw;
        break;
      }
    }
    if (payload < 0) {
      // Bare classical lines ("DOMAIN-SUFFIX,example.com"), the text form of a provider.
      Lines again = new Lines(text);
      while ((raw = again.next()) != null) {
        String s = stripYamlComment(raw).trim();
        if (!s.isEmpty()) {
          clashItem(s, t, again.number());
        }
      }
      return;
    }
    String rest = stripYamlComment(payloadLine.substring("payload:".length())).trim();
    if (rest.startsWith("[")) {
      if (!rest.endsWith("]")) {
        throw new LineError(
            payload,
            "payload: [ without ] on the same line (expected: one"
                + " '- entry' per line, or [a, b] on one line)");
      }
      for (String item : rest.substring(1, rest.length() - 1).split(",")) {
        String v = unquote(item.trim());
        if (!v.isEmpty()) {
          clashItem(v, t, payload);
        }
      }
      return;
    }
    while ((raw = lines.next()) != null) {
      int line = lines.number();
      String s = stripYamlComment(raw).trim();
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("-")) {
        String v = unquote(s.substring(1).trim());
        if (v.isEmpty()) {
          t.skip(line, "empty entry");
        } else {
          clashItem(v, t, line);
        }
      } else if (!Character.isWhitespace(raw.charAt(0))) {
        break; // the next top-level key: the payload is over
      } else {
        t.skip(line, "not a '- entry' line");
      }
    }
  }

  /** One provider entry: a classical {@code TYPE,VALUE[,no-resolve]} or a domain / address. */
  private static void clashItem(String v, ListTarget t, int line) {
    int comma = v.indexOf(',');
    if (comma < 0) {
      if (v.indexOf('/') > 0 || IpLiterals.isIpLiteral(v)) {
        t.cidr(v, line);
      } else {
        t.dottedName(v, line);
      }
      return;
    }
    String[] f = v.split(",", -1);
    RuleType type;
    try {
      type = RuleType.parse(f[0].trim(), 1);
    } catch (LineError e) {
      t.skip(line, e.getMessage());
      return;
    }
    if (type == RuleType.MATCH || type == RuleType.RULE_SET) {
      t.skip(line, type.text() + " inside a list");
      return;
    }
    boolean noResolve = t.noResolve;
    int valueEnd = f.length;
    if (f.length > 2) {
      String last = f[f.length - 1].trim();
      if (last.equalsIgnoreCase("no-resolve")) {
        noResolve = true;
        valueEnd--;
      }
    }
    if (type != RuleType.DOMAIN_REGEX && valueEnd > 2) {
      t.skip(line, "unexpected '" + f[2].trim() + "' (a list entry has no action)");
      return;
    }
    String value = String.join(",", java.util.Arrays.copyOfRange(f, 1, valueEnd)).trim();
    try {
      Entries.add(t.b, type, value, 1, noResolve, line);
      t.added++;
    } catch (LineError e) {
      t.skip(line, e.getMessage());
    }
  }

  private static String stripYamlComment(String s) {
    boolean single = false;
    boolean dbl = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\'' && !dbl) {
        single = !single;
      } else if (c == '"' && !single) {
        dbl = !dbl;
      } else if (c == '#'
          && !single
          && !dbl
          && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))) {
        return s.substring(0, i);
      }
    }
    return s;
  }

  private static String unquote(String v) {
    if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
      return v.substring(1, v.length() - 1).replace("''", "'");
    }
    if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
      return v.substring(1, v.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
    }
    return v;
  }
}
