package io.sidestep.core.rules.internal;

import io.sidestep.core.rules.UrlCsv;

/**
 * CSV lists with a {@code url} column, as the Citizen Lab test lists are ({@link UrlCsv} reads
 * them): each URL adds its site, the host without {@code www.}, and the names below it.
 */
final class CsvList {
  private CsvList() {}

  static void read(String text, ListTarget t) throws LineError {
    try {
      for (UrlCsv.Row row : UrlCsv.read(text)) {
        if (row.url().isEmpty()) {
          t.skip(row.line(), "no url field");
        } else {
          String host = GfwList.hostPart(GfwList.stripScheme(row.url()));
          t.host(UrlCsv.site(host), true, false, row.line());
        }
      }
    } catch (UrlCsv.Malformed e) {
      throw new LineError(e.line(), e.getMessage());
    }
  }
}
