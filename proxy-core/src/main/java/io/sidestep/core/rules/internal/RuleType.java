package io.sidestep.core.rules.internal;

import java.util.Locale;

/** The rule types of the Clash classical syntax that Sidestep understands. */
public enum RuleType {
  DOMAIN,
  DOMAIN_SUFFIX,
  DOMAIN_KEYWORD,
  DOMAIN_REGEX,
  IP_CIDR,
  IP_CIDR6,
  DST_PORT,
  MATCH,
  RULE_SET;

  /** The name as written in a rules file: {@code DOMAIN-SUFFIX}. */
  public String text() {
    return name().replace('_', '-');
  }

  private static final java.util.Map<String, RuleType> BY_TEXT = new java.util.HashMap<>();

  static {
    for (RuleType r : values()) {
      BY_TEXT.put(r.text(), r);
    }
  }

  static final String EXPECTED =
      "DOMAIN, DOMAIN-SUFFIX, DOMAIN-KEYWORD, DOMAIN-REGEX, IP-CIDR, IP-CIDR6, DST-PORT, MATCH,"
          + " RULE-SET";

  /** Clash types that are real but that Sidestep does not implement. */
  private static final java.util.Set<String> CLASH_ONLY =
      java.util.Set.of(
          "GEOIP",
          "GEOSITE",
          "SRC-IP-CIDR",
          "SRC-PORT",
          "IN-PORT",
          "IN-TYPE",
          "IN-USER",
          "IN-NAME",
          "PROCESS-NAME",
          "PROCESS-PATH",
          "PROCESS-NAME-REGEX",
          "PROCESS-PATH-REGEX",
          "IP-ASN",
          "IP-SUFFIX",
          "SRC-IP-SUFFIX",
          "SRC-GEOIP",
          "SRC-IP-ASN",
          "DOMAIN-WILDCARD",
          "AND",
          "OR",
          "NOT",
          "SUB-RULE",
          "NETWORK",
          "UID",
          "DSCP",
          "USER-AGENT",
          "URL-REGEX",
          "PROTOCOL",
          "SCRIPT",
          "DEST-PORT",
          "SRC-IP",
          "DST-PORT-RANGE");

  /**
   * Parses a type name: case does not matter, {@code _} may stand for {@code -}, and {@code FINAL}
   * (Surge's name) means MATCH.
   */
  static RuleType parse(String text, int column) throws LineError {
    RuleType exact = BY_TEXT.get(text);
    if (exact != null) {
      return exact;
    }
    String t = text.toUpperCase(Locale.ROOT).replace('_', '-');
    if (t.equals("FINAL")) {
      return MATCH;
    }
    for (RuleType r : values()) {
      if (r.text().equals(t)) {
        return r;
      }
    }
    if (CLASH_ONLY.contains(t)) {
      throw new LineError(
          column,
          "rule type '" + text + "' is not supported by Sidestep (expected: " + EXPECTED + ")");
    }
    String near = nearest(t);
    String hint = near == null ? "" : ", did you mean " + near + "?";
    throw new LineError(
        column, "unknown rule type '%s'%s (expected: %s)".formatted(text, hint, EXPECTED));
  }

  private static String nearest(String t) {
    String best = null;
    int bestDistance = 3;
    for (RuleType r : values()) {
      int d = distance(t, r.text());
      if (d < bestDistance) {
        bestDistance = d;
        best = r.text();
      }
    }
    return best;
  }

  /** Levenshtein distance; the strings are short. */
  static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
