package io.sidestep.core.rules.internal;

import java.util.Locale;

/** The formats a RULE-SET list can be in; AUTO means "detect from the content". */
public enum ListFormat {
  AUTO,
  GFWLIST,
  CLASH,
  DOMAINS,
  CSV;

  static final String EXPECTED = "format=gfwlist, format=clash, format=domains or format=csv";

  static ListFormat parse(String text, int column) throws LineError {
    return switch (text.toLowerCase(Locale.ROOT)) {
      case "gfwlist", "autoproxy", "abp", "adblock" -> GFWLIST;
      case "clash", "yaml", "classical" -> CLASH;
      case "domains", "domain", "text", "list" -> DOMAINS;
      case "csv" -> CSV;
      case "auto" -> AUTO;
      default ->
          throw new LineError(
              column, "unknown list format '" + text + "' (expected: " + EXPECTED + ")");
    };
  }
}
