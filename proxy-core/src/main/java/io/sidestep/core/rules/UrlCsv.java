package io.sidestep.core.rules;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A CSV list with a {@code url} column, as Citizen Lab's test lists are; the one reader for {@code
 * RULE-SET} lists and for {@code probe}, and the one CSV setup of the project ({@link #records}
 * serves other CSV formats, such as block-page fingerprints). Read by Apache Commons CSV as RFC
 * 4180: a quoted field may hold commas, doubled quotes and line breaks. The first record is the
 * header, and the url column is the one named {@code url} in any case. A leading byte-order mark,
 * empty lines and lines starting with {@code #} are ignored. A test list names one URL per site,
 * and the site is the URL's host without a leading {@code www.} ({@link #site}).
 */
public final class UrlCsv {
  private UrlCsv() {}

  private static final CSVFormat FORMAT =
      CSVFormat.RFC4180.builder().setCommentMarker('#').setIgnoreEmptyLines(true).get();

  /**
   * One record: the line it starts on (1-based) and its url field, trimmed ({@code ""} when the
   * record has no such field).
   */
  public record Row(int line, String url) {}

  /** A CSV that cannot be read, at a 1-based line. */
  public static final class Malformed extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final int line;

    Malformed(int line, String message) {
      super(message);
      this.line = line;
    }

    public int line() {
      return line;
    }
  }

  /** Whether {@code line} is a CSV header with a {@code url} column. */
  public static boolean isHeader(String line) {
    if (line.indexOf(',') < 0) {
      return false;
    }
    try {
      List<Record> records = records(line);
      return !records.isEmpty() && column(records.get(0).values(), "url") >= 0;
    } catch (Malformed e) {
      return false;
    }
  }

  /**
   * The rows after the header, in order.
   *
   * @throws Malformed when there is no header with a url column, or a quote is never closed
   */
  public static List<Row> read(String text) {
    List<Record> records = records(text);
    if (records.isEmpty()) {
      throw new Malformed(1, "empty CSV (expected: a header with a url column)");
    }
    Record header = records.get(0);
    int url = column(header.values(), "url");
    if (url < 0) {
      throw new Malformed(
          header.line(),
          "no url column in the CSV header "
              + header.values()
              + " (expected: a header with a url column)");
    }
    List<Row> rows = new ArrayList<>(records.size() - 1);
    for (Record r : records.subList(1, records.size())) {
      rows.add(new Row(r.line(), r.field(url)));
    }
    return rows;
  }

  /** The site a test list's host names: the host without a leading {@code www.}. */
  public static String site(String host) {
    return host.regionMatches(true, 0, "www.", 0, 4) ? host.substring(4) : host;
  }

  /** The index of the header field named {@code name} in any case, or -1. */
  public static int column(List<String> header, String name) {
    for (int i = 0; i < header.size(); i++) {
      if (header.get(i).trim().equalsIgnoreCase(name)) {
        return i;
      }
    }
    return -1;
  }

  /** One CSV record: the 1-based line it starts on and its fields. */
  public record Record(int line, List<String> values) {
    /** Field {@code i}, trimmed; {@code ""} when the record is shorter or {@code i} is -1. */
    public String field(int i) {
      return i >= 0 && i < values.size() ? values.get(i).trim() : "";
    }
  }

  /**
   * All records of {@code text}, the header included, as this class reads CSV: RFC 4180, a leading
   * byte-order mark, empty lines and {@code #} lines ignored.
   *
   * @throws Malformed when a quote is never closed
   */
  public static List<Record> records(String text) {
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<Record> records = new ArrayList<>();
    try (CSVParser p =
        CSVParser.builder().setReader(new StringReader(text)).setFormat(FORMAT).get()) {
      try {
        for (CSVRecord r : p) {
          // The parser counts the line a record ends on; a record starts as many lines earlier
          // as its quoted fields hold line breaks.
          List<String> values = r.toList();
          int breaks = 0;
          for (String v : values) {
            breaks += (int) v.chars().filter(c -> c == '\n').count();
          }
          records.add(new Record((int) p.getCurrentLineNumber() - breaks, values));
        }
      } catch (UncheckedIOException e) {
        throw new Malformed(
            (int) p.getCurrentLineNumber(),
            "not CSV: " + e.getCause().getMessage() + " (expected: RFC 4180 quoting)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringReader does not fail
    }
    return records;
  }
}
