package io.sidestep.core.rules.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** CSV lists with a {@code url} column, as the Citizen Lab test lists are. */
final class CsvList {
  private CsvList() {}

  static void read(String text, ListTarget t) throws LineError {
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
      String host = GfwList.hostPart(GfwList.stripScheme(url));
      // Test lists name one URL per site; the site is the host without "www.", and below.
      if (host.toLowerCase(Locale.ROOT).startsWith("www.")) {
        host = host.substring(4);
      }
      t.host(host, true, false, line);
    }
  }

  /** Splits one CSV line (no line breaks inside quotes); for header detection only. */
  static List<String> record(String line) {
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
