package io.sidestep.core.rules.internal;

import io.sidestep.core.rules.RulesException;
import io.sidestep.core.rules.UrlCsv;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads the lists that {@code RULE-SET} lines include: gfwlist / AutoProxy / Adblock Plus (also
 * base64-encoded), Clash rule providers (YAML {@code payload:} or bare classical lines), plain
 * domain lists (also hosts files and v2fly {@code domain:} prefixes), and CSV with a {@code url}
 * column. Lists come from elsewhere, so an entry Sidestep cannot use is skipped and counted (one
 * warning per list) instead of refusing the whole rules file; a list that cannot be read at all is
 * an error at the RULE-SET line. Each format has its reader ({@link GfwList}, {@link ClashList},
 * {@link DomainList}, {@link CsvList}); this class picks one and reports what was skipped.
 */
final class Lists {
  private Lists() {}

  /** Reads the list named by {@code rl} and adds its entries to the current rule of {@code b}. */
  static void include(
      RuleIndex.Builder b,
      Path rulesFile,
      RuleLine rl,
      int lineNo,
      Set<Path> watched,
      List<String> warnings)
      throws LineError {
    Path path = rulesFile.resolveSibling(rl.value());
    String name = path.toString();
    watched.add(path);
    String text;
    try {
      text =
          RulesFiles.read(
              path, name, "a readable list file; paths are relative to the rules file's folder");
    } catch (RulesException e) {
      throw new LineError(
          rl.valueColumn(),
          "cannot read list '" + rl.value() + "': " + e.getMessage().substring(name.length() + 2));
    }
    try {
      parse(b, name, text, rl.format(), rl.noResolve(), warnings);
    } catch (LineError e) {
      // The format readers report the list's line number in place of a column.
      throw new LineError(
          rl.valueColumn(), "list '" + rl.value() + "' line " + e.column() + ": " + e.getMessage());
    }
  }

  /**
   * Adds the entries of a list's {@code text}, named {@code name} in reasons and warnings, to the
   * current rule of {@code b}, and returns how many entries (exceptions included) it had.
   *
   * @throws LineError with the list's line number in place of a column, when the list cannot be
   *     read at all
   */
  static int parse(
      RuleIndex.Builder b,
      String name,
      String text,
      ListFormat format,
      boolean noResolve,
      List<String> warnings)
      throws LineError {
    ListTarget t = new ListTarget(b, name, noResolve);
    String decoded = base64Text(text);
    if (decoded != null) {
      text = decoded;
    }
    if (format == ListFormat.AUTO) {
      format = detect(text);
    }
    switch (format) {
      case GFWLIST -> GfwList.read(text, t);
      case CLASH -> ClashList.read(text, t);
      case DOMAINS -> DomainList.read(text, t);
      case CSV -> CsvList.read(text, t);
      case AUTO -> throw new IllegalStateException();
    }
    if (t.skipped > 0) {
      RulesFiles.warn(
          warnings,
          "%s: skipped %d %s Sidestep cannot use (first: %s)"
              .formatted(
                  name,
                  t.skipped,
                  t.skipped == 1 ? "line" : "lines",
                  String.join("; ", t.examples)));
    }
    if (t.added == 0 && t.exceptions == 0) {
      RulesFiles.warn(warnings, name + ": no entries found (format " + format + ")");
    }
    return t.added + t.exceptions;
  }

  /** The text a base64-encoded list (as gfwlist is published) decodes to, or null. */
  static String base64Text(String text) {
    StringBuilder compact = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        continue;
      }
      if (c >= 128 || (c != '+' && c != '/' && c != '=' && !Character.isLetterOrDigit(c))) {
        return null;
      }
      compact.append(c);
    }
    if (compact.length() < 16 || compact.length() % 4 != 0) {
      return null;
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(compact.toString());
    } catch (IllegalArgumentException e) {
      return null;
    }
    String decoded;
    try {
      decoded = RulesFiles.utf8(bytes);
    } catch (CharacterCodingException e) {
      return null;
    }
    // Real text has line breaks and no control characters.
    if (decoded.indexOf('\n') < 0) {
      return null;
    }
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') {
        return null;
      }
    }
    return decoded;
  }

  /** Guesses a list's format from its first meaningful lines. */
  static ListFormat detect(String text) {
    Lines lines = new Lines(text);
    boolean first = true;
    String raw;
    while ((raw = lines.next()) != null && lines.number() <= 200) {
      String s = raw.trim();
      if (s.isEmpty()) {
        continue;
      }
      String upper = s.toUpperCase(Locale.ROOT);
      if (upper.startsWith("[AUTOPROXY") || upper.startsWith("[ADBLOCK")) {
        return ListFormat.GFWLIST;
      }
      if (raw.startsWith("payload:")) {
        return ListFormat.CLASH;
      }
      if (s.startsWith("#")) {
        continue;
      }
      if (first && UrlCsv.isHeader(s)) {
        return ListFormat.CSV;
      }
      first = false;
      if (s.startsWith("||") || s.startsWith("|") || s.startsWith("@@") || s.startsWith("!")) {
        return ListFormat.GFWLIST;
      }
      int comma = s.indexOf(',');
      if (comma > 0) {
        try {
          RuleType.parse(s.substring(0, comma).trim(), 1);
          return ListFormat.CLASH;
        } catch (LineError e) {
          // not a classical line
        }
      }
    }
    return ListFormat.DOMAINS;
  }
}
