package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.rules.RulesException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the lists that {@code RULE-SET} lines include: gfwlist / AutoProxy / Adblock Plus (also
 * base64-encoded), Clash rule providers (YAML {@code payload:} or bare classical lines), plain
 * domain lists (also hosts files and v2fly {@code domain:} prefixes), and CSV with a {@code url}
 * column. Lists come from elsewhere, so an entry Sidestep cannot use is skipped and counted (one
 * warning per list) instead of refusing the whole rules file; a list that cannot be read at all is
 * an error at the RULE-SET line.
 */
final class Lists {
  private Lists() {}

  private static final int EXAMPLES = 3;

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
    Target t = new Target(b, name, rl.noResolve());
    ListFormat format = rl.format();
    String decoded = base64Text(text);
    if (decoded != null) {
      text = decoded;
    }
    if (format == ListFormat.AUTO) {
      format = detect(text);
    }
    try {
      switch (format) {
        case GFWLIST -> gfwlist(text, t);
        case CLASH -> clash(text, t);
        case DOMAINS -> domains(text, t);
        case CSV -> csv(text, t);
        case AUTO -> throw new IllegalStateException();
      }
    } catch (LineError e) {
      // The format readers report the list's line number in place of a column.
      throw new LineError(
          rl.valueColumn(), "list '" + rl.value() + "' line " + e.column() + ": " + e.getMessage());
    }
    if (t.skipped > 0) {
      RulesFiles.warn(
          warnings,
          name
              + ": skipped "
              + t.skipped
              + (t.skipped == 1 ? " line" : " lines")
              + " Sidestep cannot use (first: "
              + String.join("; ", t.examples)
              + ")");
    }
    if (t.added == 0 && t.exceptions == 0) {
      RulesFiles.warn(warnings, name + ": no entries found (format " + format + ")");
    }
  }

  /** Where a list's entries go, and what was skipped. */
  private static final class Target {
    final RuleIndex.Builder b;
    final String name;
    final boolean noResolve;
    int added;
    int exceptions;
    int skipped;
    final List<String> examples = new ArrayList<>();

    Target(RuleIndex.Builder b, String name, boolean noResolve) {
      this.b = b;
      this.name = name;
      this.noResolve = noResolve;
    }

    void skip(int line, String why) {
      skipped++;
      if (examples.size() < EXAMPLES) {
        examples.add("line " + line + ": " + why);
      }
    }

    /**
     * Adds a host pattern: {@code suffix} for "this name and below", otherwise the exact name. An
     * address becomes an address entry; {@code *} wildcards become a regex.
     */
    void host(String raw, boolean suffix, boolean exception, int line) {
      String h = raw;
      if (h.isEmpty()) {
        skip(line, "no host");
        return;
      }
      if (h.indexOf('*') >= 0) {
        wildcard(h, exception, line);
        return;
      }
      if (IpLiterals.isIpLiteral(h)) {
        if (exception) {
          b.exceptions().exact(h.toLowerCase(Locale.ROOT));
          exceptions++;
        } else {
          cidr(h, line);
        }
        return;
      }
      String d;
      try {
        d = Names.domain(h);
      } catch (IllegalArgumentException e) {
        skip(line, "invalid host '" + raw + "': " + e.getMessage());
        return;
      }
      if (exception) {
        if (suffix) {
          b.exceptions().suffix(d);
        } else {
          b.exceptions().exact(d);
        }
        exceptions++;
      } else {
        if (suffix) {
          b.suffix(d, line);
        } else {
          b.exact(d, line);
        }
        added++;
      }
    }

    /** An address or address range, as an IP entry. */
    void cidr(String v, int line) {
      try {
        b.cidr(Entries.cidr(v, 1), noResolve, line);
        added++;
      } catch (LineError e) {
        skip(line, e.getMessage());
      }
    }

    /** A name where a leading {@code +.} or {@code .} means "this name and below". */
    void dottedName(String v, int line) {
      if (v.startsWith("+.")) {
        host(v.substring(2), true, false, line);
      } else if (v.startsWith(".")) {
        host(v.substring(1), true, false, line);
      } else {
        host(v, false, false, line);
      }
    }

    /** A regex written in the list; an invalid one is skipped. */
    void regex(String re, boolean url, boolean exception, int line) {
      try {
        regex(Pattern.compile(re), url, exception, line);
      } catch (java.util.regex.PatternSyntaxException e) {
        skip(line, "invalid regex: " + e.getDescription());
      }
    }

    /** A host with {@code *}: a leading {@code *.} means "below this name"; others a regex. */
    void wildcard(String h, boolean exception, int line) {
      if (h.startsWith("*.") && h.indexOf('*', 1) < 0) {
        // In Clash and gfwlist alike, "*.example.com" stands for names under example.com.
        String rest = h.substring(2);
        StringBuilder re = new StringBuilder("^[^.]+\\.");
        escape(rest.toLowerCase(Locale.ROOT), re);
        re.append('$');
        if (rest.isEmpty()) {
          skip(line, "wildcard without a name");
          return;
        }
        regex(Pattern.compile(re.toString()), false, exception, line);
        return;
      }
      StringBuilder re = new StringBuilder();
      for (int i = 0; i < h.length(); i++) {
        char c = Character.toLowerCase(h.charAt(i));
        if (c == '*') {
          re.append("[^/]*");
        } else {
          escape(String.valueOf(c), re);
        }
      }
      if (re.toString().replace("[^/]*", "").isEmpty()) {
        skip(line, "wildcard matches everything");
        return;
      }
      regex(Pattern.compile(re.toString()), false, exception, line);
    }

    void regex(Pattern p, boolean url, boolean exception, int line) {
      if (exception) {
        b.exceptions().regex(p, url);
        exceptions++;
      } else {
        b.regex(p, url, line);
        added++;
      }
    }

    void keyword(String k, boolean exception, int line) {
      String kw;
      try {
        kw = Entries.keyword(k, 1);
      } catch (LineError e) {
        skip(line, e.getMessage());
        return;
      }
      if (exception) {
        b.exceptions().keyword(kw);
        exceptions++;
      } else {
        b.keyword(kw, line);
        added++;
      }
    }
  }

  private static void escape(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80) {
        out.append(c);
      } else {
        out.append('\\').append(c);
      }
    }
  }

  // ---- detection ----

  /** The text a base64-encoded list (as gfwlist is published) decodes to, or null. */
  static String base64Text(String text) {
    StringBuilder compact = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isWhitespace(c)) {
        continue;
      }
      boolean b64 =
          (c >= 'A' && c <= 'Z')
              || (c >= 'a' && c <= 'z')
              || (c >= '0' && c <= '9')
              || c == '+'
              || c == '/'
              || c == '=';
      if (!b64) {
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
      decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
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
    return decoded.startsWith("\uFEFF") ? decoded.substring(1) : decoded;
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
      if (first && isCsvHeader(s)) {
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

  private static boolean isCsvHeader(String line) {
    if (line.indexOf(',') < 0) {
      return false;
    }
    for (String f : csvRecord(line)) {
      if (f.trim().equalsIgnoreCase("url")) {
        return true;
      }
    }
    return false;
  }

  // ---- gfwlist / AutoProxy / Adblock Plus ----

  static void gfwlist(String text, Target t) {
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

  private static String stripScheme(String s) {
    int i = s.indexOf("://");
    if (i >= 0 && i < 10) {
      return s.substring(i + 3);
    }
    return s;
  }

  /** The host at the start of {@code s}: up to a path, query, port or ABP separator. */
  private static String hostPart(String s) {
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

  // ---- Clash rule providers ----

  static void clash(String text, Target t) throws LineError {
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
  private static void clashItem(String v, Target t, int line) {
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

  // ---- plain domain lists ----

  static void domains(String text, Target t) {
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

  private static void domainEntry(String v, Target t, int line) {
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

  // ---- CSV (Citizen Lab test lists) ----

  static void csv(String text, Target t) throws LineError {
    CsvReader r = new CsvReader(text);
    List<String> header = r.next();
    if (header == null) {
      throw new LineError(1, "empty CSV (expected: a header with a url column)");
    }
    int urlColumn = -1;
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).trim().equalsIgnoreCase("url")) {
        urlColumn = i;
      }
    }
    if (urlColumn < 0) {
      throw new LineError(
          1,
          "no url column in the CSV header " + header + " (expected: a header with a url column)");
    }
    List<String> record;
    while (true) {
      int line = r.line();
      record = r.next();
      if (record == null) {
        break;
      }
      if (record.size() == 1 && record.get(0).isBlank()) {
        continue;
      }
      if (record.size() <= urlColumn) {
        t.skip(line, "no url field");
        continue;
      }
      String url = record.get(urlColumn).trim();
      String host = hostPart(stripScheme(url));
      // Test lists name one URL per site; the site is the host without "www.", and below.
      if (host.toLowerCase(Locale.ROOT).startsWith("www.")) {
        host = host.substring(4);
      }
      t.host(host, true, false, line);
    }
  }

  /** Splits one CSV line (no line breaks inside quotes); for header detection only. */
  private static List<String> csvRecord(String line) {
    List<String> r = new CsvReader(line).next();
    return r == null ? List.of() : r;
  }

  /** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
  private static final class CsvReader {
    private final String s;
    private int pos;
    private int line = 1;

    CsvReader(String s) {
      this.s = s;
    }

    /** The line the next record starts on. */
    int line() {
      return line;
    }

    List<String> next() {
      if (pos >= s.length()) {
        return null;
      }
      List<String> fields = new ArrayList<>();
      StringBuilder f = new StringBuilder();
      boolean quoted = false;
      while (pos < s.length()) {
        char c = s.charAt(pos++);
        if (quoted) {
          if (c == '"') {
            if (pos < s.length() && s.charAt(pos) == '"') {
              f.append('"');
              pos++;
            } else {
              quoted = false;
            }
          } else {
            if (c == '\n') {
              line++;
            }
            f.append(c);
          }
        } else if (c == '"') {
          quoted = true;
        } else if (c == ',') {
          fields.add(f.toString());
          f.setLength(0);
        } else if (c == '\n' || c == '\r') {
          if (c == '\r' && pos < s.length() && s.charAt(pos) == '\n') {
            pos++;
          }
          line++;
          break;
        } else {
          f.append(c);
        }
      }
      fields.add(f.toString());
      return fields;
    }
  }
}
