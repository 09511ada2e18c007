package io.sidestep.core.detect;

import io.sidestep.core.rules.UrlCsv;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * Block-page fingerprints in the format of OONI's blocking-fingerprints project: a CSV with the
 * columns {@code name, scope, location_found, pattern_type, pattern, confidence_no_fp,
 * expected_countries, …} (extra columns ignored). {@code location_found} is {@code body} or {@code
 * header.NAME} (rows for other places, such as DNS answers, are skipped); {@code pattern_type} is
 * {@code full}, {@code prefix}, {@code contains} or {@code regexp} (a regular expression found
 * anywhere in the text). Headers are matched case-insensitively by name, their values and the body
 * as they came.
 *
 * <p>A match of scope {@code vbw} (vague blocking words) only makes a page worth comparing with the
 * relay's; a match of any other scope is a block page without asking the relay. {@link
 * #VAGUE_WORDS} are built in, in English, Russian and Kazakh; {@link #NONE} has only those.
 */
public final class BlockFingerprints {

  /** How a fingerprint's pattern is matched. */
  public enum Match {
    FULL,
    PREFIX,
    CONTAINS,
    REGEXP
  }

  /** The scope of fingerprints that only make a page suspect: {@code vbw}. */
  public static final String VAGUE = "vbw";

  /**
   * One fingerprint.
   *
   * @param location {@code body} or {@code header.NAME}, lower case
   */
  public record Fingerprint(
      String name, String scope, String location, Match type, String pattern, Pattern regex) {

    public Fingerprint {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(pattern, "pattern");
      scope = scope.toLowerCase(Locale.ROOT);
      location = location.toLowerCase(Locale.ROOT);
    }

    /** A fingerprint on the body, of the given scope, matched as {@code contains}. */
    static Fingerprint bodyContains(String name, String scope, String words) {
      return new Fingerprint(name, scope, "body", Match.CONTAINS, words, null);
    }

    /** Whether only a comparison with the relay can tell (scope {@value #VAGUE}). */
    public boolean vague() {
      return scope.equals(VAGUE);
    }

    /** Whether {@code r} matches. */
    public boolean matches(ResponseSummary r) {
      if (location.equals("body")) {
        return test(r.text()) || (type == Match.CONTAINS && test(r.title()));
      }
      List<String> values = r.headers().get(location.substring("header.".length()));
      return values != null && values.stream().anyMatch(this::test);
    }

    private boolean test(String text) {
      return switch (type) {
        case FULL -> text.equals(pattern);
        case PREFIX -> text.startsWith(pattern);
        case CONTAINS ->
            vague()
                ? text.toLowerCase(Locale.ROOT).contains(pattern.toLowerCase(Locale.ROOT))
                : text.contains(pattern);
        case REGEXP -> regex.matcher(text).find();
      };
    }
  }

  /**
   * Words block pages use, matched in the body and title in any case: English, Russian and Kazakh.
   */
  public static final List<Fingerprint> VAGUE_WORDS =
      Stream.of(
              "blocked",
              "restricted",
              "access denied",
              "заблокирован",
              "ограничен",
              "доступ к ресурсу",
              "доступ запрещен",
              "бұғатталған",
              "шектелген")
          .map(w -> Fingerprint.bodyContains("vbw: " + w, VAGUE, w))
          .toList();

  /** Only the built-in {@link #VAGUE_WORDS}. */
  public static final BlockFingerprints NONE = new BlockFingerprints(VAGUE_WORDS);

  private final List<Fingerprint> all;

  private BlockFingerprints(List<Fingerprint> all) {
    this.all = List.copyOf(all);
  }

  /** The built-in words and every fingerprint of {@code files}, in order. */
  public static BlockFingerprints load(List<Path> files) throws IOException {
    List<Fingerprint> out = new ArrayList<>(VAGUE_WORDS);
    for (Path f : files) {
      out.addAll(parse(f.toString(), Files.readString(f, StandardCharsets.UTF_8)));
    }
    return new BlockFingerprints(out);
  }

  /** The built-in words and the fingerprints of {@code text}. */
  public static BlockFingerprints of(String source, String text) {
    List<Fingerprint> out = new ArrayList<>(VAGUE_WORDS);
    out.addAll(parse(source, text));
    return new BlockFingerprints(out);
  }

  /**
   * The fingerprints of one CSV file.
   *
   * @param source the file's name, for error messages
   * @throws IllegalArgumentException naming {@code source:line} when the file cannot be read
   */
  static List<Fingerprint> parse(String source, String text) {
    List<UrlCsv.Record> records;
    try {
      records = UrlCsv.records(text);
    } catch (UrlCsv.Malformed e) {
      throw new IllegalArgumentException(source + ":" + e.line() + ": " + e.getMessage(), e);
    }
    if (records.isEmpty()) {
      return List.of();
    }
    List<String> header = records.get(0).values();
    int name = column(source, header, "name");
    int scope = column(source, header, "scope");
    int location = column(source, header, "location_found");
    int type = column(source, header, "pattern_type");
    int pattern = column(source, header, "pattern");
    List<Fingerprint> out = new ArrayList<>();
    for (UrlCsv.Record r : records.subList(1, records.size())) {
      String loc = r.field(location).toLowerCase(Locale.ROOT);
      if (!loc.equals("body") && !(loc.startsWith("header.") && loc.length() > 7)) {
        continue; // a DNS fingerprint or another place this client does not see
      }
      Match m = match(source, r.line(), r.field(type));
      // The pattern is taken as written: leading or trailing spaces may be part of it.
      String p = pattern < r.values().size() ? r.values().get(pattern) : "";
      Pattern regex = null;
      if (m == Match.REGEXP) {
        try {
          regex = Pattern.compile(p);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException(
              source + ":" + r.line() + ": bad regexp '" + p + "': " + e.getDescription(), e);
        }
      }
      out.add(new Fingerprint(r.field(name), r.field(scope), loc, m, p, regex));
    }
    return out;
  }

  private static int column(String source, List<String> header, String name) {
    int i = UrlCsv.column(header, name);
    if (i < 0) {
      throw new IllegalArgumentException(
          source
              + ":1: no "
              + name
              + " column in "
              + header
              + " (expected: name, scope, location_found, pattern_type, pattern, …)");
    }
    return i;
  }

  private static Match match(String source, int line, String type) {
    try {
      return Match.valueOf(type.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          source
              + ":"
              + line
              + ": unknown pattern_type '"
              + type
              + "' (expected: full, prefix, contains, regexp)",
          e);
    }
  }

  /** The first fingerprint {@code r} matches, those that prove a block page before vague ones. */
  public Optional<Fingerprint> match(ResponseSummary r) {
    Fingerprint vague = null;
    for (Fingerprint f : all) {
      if (f.matches(r)) {
        if (!f.vague()) {
          return Optional.of(f);
        }
        if (vague == null) {
          vague = f;
        }
      }
    }
    return Optional.ofNullable(vague);
  }

  /** How many fingerprints there are, the built-in words included. */
  public int size() {
    return all.size();
  }
}
