package io.sidestep.core.rules.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The URL and options of a {@code RULE-SET} that names an {@code https://} list: how often it is
 * fetched ({@code interval=}), where its detached signature is ({@code sig=}) and the key that
 * signs it ({@code pubkey=}, as written: base64 or a file, read by {@link RulesFiles}).
 *
 * @param url the list's URL, checked to be https with a host
 * @param interval how often the list is fetched
 * @param sigUrl the signature's URL, or null when the list is not signed
 * @param pubkey the {@code pubkey=} text as written, or null
 * @param pubkeyColumn the column of the {@code pubkey=} value, for errors
 */
public record RemoteOptions(
    String url, Duration interval, String sigUrl, String pubkey, int pubkeyColumn) {

  /** How often a list is fetched unless {@code interval=} says otherwise: 24 hours. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofHours(24);

  /** The shortest {@code interval=}: 5 minutes, so a list's server is not hammered. */
  public static final Duration MIN_INTERVAL = Duration.ofMinutes(5);

  /** The longest {@code interval=}: 30 days. */
  public static final Duration MAX_INTERVAL = Duration.ofDays(30);

  private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhd])");

  /** Whether a RULE-SET value is a URL rather than a file. */
  static boolean isUrl(String value) {
    return value.contains("://");
  }

  /** Whether an option (lower case) is one only a URL list takes. */
  static boolean isOption(String lower) {
    return lower.startsWith("interval=") || lower.startsWith("sig=") || lower.startsWith("pubkey=");
  }

  static Builder builder(String url, int column) throws LineError {
    return new Builder(checkUrl(url, column, "list URL"), column);
  }

  /** Checks an https URL (with a host, without user info or fragment) and returns it as given. */
  static String checkUrl(String url, int column, String what) throws LineError {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new LineError(
          column, "invalid " + what + " '" + url + "' (expected: https://HOST[:PORT]/PATH)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("https")) {
      throw new LineError(
          column,
          what
              + " '"
              + url
              + "' is not https (expected: https://…, so that nobody on the way can change it)");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new LineError(
          column, what + " '" + url + "' has no host (expected: https://HOST[:PORT]/PATH)");
    }
    if (uri.getRawUserInfo() != null) {
      throw new LineError(
          column,
          what + " '" + url + "' has user info (expected: https://HOST[:PORT]/PATH without USER@)");
    }
    if (uri.getRawFragment() != null) {
      throw new LineError(
          column, what + " '" + url + "' has a #fragment (expected: https://HOST[:PORT]/PATH)");
    }
    return url;
  }

  /**
   * Parses an interval: a number with {@code s}, {@code m}, {@code h} or {@code d} ({@code 30m},
   * {@code 24h}), or ISO-8601 ({@code PT6H}), between {@link #MIN_INTERVAL} and {@link
   * #MAX_INTERVAL}.
   */
  static Duration interval(String text, int column) throws LineError {
    Duration d;
    Matcher m = SHORT.matcher(text.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d =
          switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
    } else {
      try {
        d = Duration.parse(text);
      } catch (DateTimeParseException e) {
        throw new LineError(
            column, "invalid interval '" + text + "' (expected: a duration such as 30m, 6h or 1d)");
      }
    }
    if (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
      throw new LineError(
          column, "interval '" + text + "' out of range (expected: between 5m and 30d)");
    }
    return d;
  }

  /** Collects the options of one line. */
  static final class Builder {
    private final String url;
    private final int column;
    private Duration interval = DEFAULT_INTERVAL;
    private String sigUrl;
    private boolean sigGiven;
    private String pubkey;
    private int pubkeyColumn;

    private Builder(String url, int column) {
      this.url = url;
      this.column = column;
    }

    void option(String opt, int column) throws LineError {
      int eq = opt.indexOf('=');
      String key = opt.substring(0, eq).trim().toLowerCase(Locale.ROOT);
      String value = opt.substring(eq + 1).trim();
      int valueColumn = column + eq + 1;
      if (value.isEmpty()) {
        throw new LineError(valueColumn, "missing value after " + key + "= (expected: a value)");
      }
      switch (key) {
        case "interval" -> interval = interval(value, valueColumn);
        case "sig" -> {
          sigUrl = checkUrl(value, valueColumn, "signature URL");
          sigGiven = true;
        }
        default -> {
          pubkey = value;
          pubkeyColumn = valueColumn;
        }
      }
    }

    RemoteOptions build(int endColumn) throws LineError {
      if (sigGiven && pubkey == null) {
        throw new LineError(
            endColumn, "sig= without pubkey= (expected: pubkey=BASE64 or pubkey=FILE as well)");
      }
      String sig = sigUrl;
      if (pubkey != null && sig == null) {
        sig = url + ".sig";
      }
      return new RemoteOptions(url, interval, sig, pubkey, pubkeyColumn);
    }

    int column() {
      return column;
    }
  }
}
