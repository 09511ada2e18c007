package io.sidestep.lab;

import java.util.ArrayList;
import java.util.List;

/**
 * The table the lab prints at the end: per scenario, the first visit's time (recorded, never
 * asserted), the path of the first and second visit as the origin saw it, whether the client
 * learned the host, and the outcome.
 */
final class Summary {
  /** One scenario (or one host of a scenario). */
  record Row(
      String scenario,
      String host,
      double firstVisitSeconds,
      String firstPath,
      String secondPath,
      String learned,
      String result) {}

  private final List<Row> rows = new ArrayList<>();

  synchronized void add(Row row) {
    rows.add(row);
  }

  synchronized String table() {
    StringBuilder s = new StringBuilder();
    s.append(
        "| scenario | host | first visit | path, 1st visit | path, 2nd visit | learned | result |\n");
    s.append("| --- | --- | --- | --- | --- | --- | --- |\n");
    for (Row r : rows) {
      s.append(
          "| %s | %s | %s | %s | %s | %s | %s |\n"
              .formatted(
                  r.scenario(),
                  r.host(),
                  r.firstVisitSeconds() < 0 ? "-" : "%.2f s".formatted(r.firstVisitSeconds()),
                  r.firstPath(),
                  r.secondPath(),
                  r.learned(),
                  r.result()));
    }
    return s.toString();
  }
}
