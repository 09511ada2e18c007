package io.sidestep.server;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One user's limits, each optional: a data limit over a sliding window of whole days ({@code
 * 50GB/30d}), a lifetime data limit ({@code 1TB}), an expiry date (the user is refused from the
 * start of that day, UTC), a maximum of concurrent connections, and a rate ({@code 10Mbit/s}).
 * Sizes are decimal (1 GB = 10^9 bytes), as network figures are; {@code GiB} and the like are
 * binary. Zero or null means no limit.
 */
public record Limits(
    long windowBytes,
    int windowDays,
    long lifetimeBytes,
    LocalDate expires,
    int maxConns,
    long rateBitsPerSecond) {

  public static final Limits NONE = new Limits(0, 0, 0, null, 0, 0);

  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgtp]i?)?b?", Pattern.CASE_INSENSITIVE);
  private static final Pattern WINDOW = Pattern.compile("(.+)/(\\d+)d", Pattern.CASE_INSENSITIVE);
  private static final Pattern RATE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmg]?)(bit|b)/s", Pattern.CASE_INSENSITIVE);

  public boolean hasWindow() {
    return windowBytes > 0 && windowDays > 0;
  }

  public Limits withWindow(long bytes, int days) {
    return new Limits(bytes, days, lifetimeBytes, expires, maxConns, rateBitsPerSecond);
  }

  public Limits withLifetime(long bytes) {
    return new Limits(windowBytes, windowDays, bytes, expires, maxConns, rateBitsPerSecond);
  }

  public Limits withExpires(LocalDate date) {
    return new Limits(windowBytes, windowDays, lifetimeBytes, date, maxConns, rateBitsPerSecond);
  }

  public Limits withMaxConns(int n) {
    return new Limits(windowBytes, windowDays, lifetimeBytes, expires, n, rateBitsPerSecond);
  }

  public Limits withRate(long bitsPerSecond) {
    return new Limits(windowBytes, windowDays, lifetimeBytes, expires, maxConns, bitsPerSecond);
  }

  /** {@code 50GB}, {@code 1.5TiB}, {@code 1000000}: bytes. */
  public static long parseSize(String s) {
    Matcher m = SIZE.matcher(s.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "size: '" + s + "' (expected: a number with an optional unit, like 50GB or 1.5TiB)");
    }
    double n = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2).toLowerCase(Locale.ROOT);
    double factor =
        unit.isEmpty() ? 1 : Math.pow(unit.endsWith("i") ? 1024 : 1000, power(unit.charAt(0)));
    long bytes = (long) (n * factor);
    if (bytes <= 0) {
      throw new IllegalArgumentException("size: '" + s + "' (expected: more than zero)");
    }
    return bytes;
  }

  /** {@code 50GB/30d}: bytes and days. */
  public static Limits parseWindow(String s, Limits base) {
    Matcher m = WINDOW.matcher(s.strip());
    if (!m.matches() || Integer.parseInt(m.group(2)) < 1 || Integer.parseInt(m.group(2)) > 3660) {
      throw new IllegalArgumentException(
          "limit: '" + s + "' (expected: SIZE/DAYSd, like 50GB/30d, 1-3660 days)");
    }
    return base.withWindow(parseSize(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** {@code 10Mbit/s} (bits) or {@code 2MB/s} (bytes): bits per second. */
  public static long parseRate(String s) {
    Matcher m = RATE.matcher(s.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "rate: '" + s + "' (expected: a number and a unit, like 10Mbit/s or 2MB/s)");
    }
    double n = Double.parseDouble(m.group(1));
    String p = m.group(2).toLowerCase(Locale.ROOT);
    double factor = p.isEmpty() ? 1 : Math.pow(1000, power(p.charAt(0)));
    long bits = (long) (n * factor * (m.group(3).equals("bit") ? 1 : 8));
    if (bits < 8) {
      throw new IllegalArgumentException("rate: '" + s + "' (expected: at least 1B/s)");
    }
    return bits;
  }

  public static LocalDate parseDate(String s) {
    try {
      return LocalDate.parse(s.strip());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expires: '" + s + "' (expected: YYYY-MM-DD)", e);
    }
  }

  private static int power(char c) {
    return switch (c) {
      case 'k' -> 1;
      case 'm' -> 2;
      case 'g' -> 3;
      case 't' -> 4;
      case 'p' -> 5;
      default -> throw new IllegalArgumentException("unit: " + c);
    };
  }

  /** Whole units where exact: 50000000000 is {@code 50GB}. */
  public static String formatSize(long bytes) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
    int i = 0;
    long v = bytes;
    while (i < units.length - 1 && v % 1000 == 0 && v > 0) {
      v /= 1000;
      i++;
    }
    return v + units[i];
  }

  /** A size for people: three significant figures. */
  public static String roughSize(long bytes) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
    double v = bytes;
    int i = 0;
    while (v >= 1000 && i < units.length - 1) {
      v /= 1000;
      i++;
    }
    return i == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.3g %s", v, units[i]);
  }

  public static String formatRate(long bits) {
    String[] units = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s"};
    int i = 0;
    long v = bits;
    while (i < units.length - 1 && v % 1000 == 0 && v > 0) {
      v /= 1000;
      i++;
    }
    return v + units[i];
  }

  /** The fields as the users file stores them: {@code limit=50GB/30d lifetime=1TB ...}. */
  public List<String> fields() {
    List<String> f = new ArrayList<>();
    if (hasWindow()) {
      f.add("limit=" + formatSize(windowBytes) + "/" + windowDays + "d");
    }
    if (lifetimeBytes > 0) {
      f.add("lifetime=" + formatSize(lifetimeBytes));
    }
    if (expires != null) {
      f.add("expires=" + expires);
    }
    if (maxConns > 0) {
      f.add("max-conns=" + maxConns);
    }
    if (rateBitsPerSecond > 0) {
      f.add("rate=" + formatRate(rateBitsPerSecond));
    }
    return f;
  }

  /** Reads one {@code key=value} field of the users file into {@code base}. */
  public static Limits parseField(String field, Limits base) {
    int eq = field.indexOf('=');
    String key = eq < 0 ? field : field.substring(0, eq);
    String value = eq < 0 ? "" : field.substring(eq + 1);
    return switch (key) {
      case "limit" -> parseWindow(value, base);
      case "lifetime" -> base.withLifetime(parseSize(value));
      case "expires" -> base.withExpires(parseDate(value));
      case "max-conns" -> base.withMaxConns(parseCount(value));
      case "rate" -> base.withRate(parseRate(value));
      default ->
          throw new IllegalArgumentException(
              "'" + key + "' (expected: limit=, lifetime=, expires=, max-conns= or rate=)");
    };
  }

  public static int parseCount(String s) {
    try {
      int n = Integer.parseInt(s.strip());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "max-conns: '" + s + "' (expected: a whole number, at least 1)");
  }

  /** For {@code users show}: each limit in words, or "none". */
  public String describe() {
    List<String> f = fields();
    return f.isEmpty() ? "none" : String.join(" ", f);
  }
}
