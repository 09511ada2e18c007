package io.sidestep.client.probe;

import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one {@code probe} run: the summary table and the JSON report. */
public final class ProbeReport {

  private final Instant started;
  private final List<String> relays;
  private final List<ProbeResult> results;

  public ProbeReport(Instant started, List<String> relays, List<ProbeResult> results) {
    this.started = started;
    this.relays = List.copyOf(relays);
    this.results = List.copyOf(results);
  }

  public List<ProbeResult> results() {
    return results;
  }

  /** How many hosts got each verdict, every verdict present (zero when none). */
  public Map<ProbeVerdict, Integer> counts() {
    Map<ProbeVerdict, Integer> m = new EnumMap<>(ProbeVerdict.class);
    for (ProbeVerdict v : ProbeVerdict.values()) {
      m.put(v, 0);
    }
    results.forEach(r -> m.merge(r.verdict(), 1, Integer::sum));
    return m;
  }

  /** The table printed at the end: counts per verdict, then every blocked or down host. */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "%-10s %6s%n", "verdict", "hosts"));
    counts().forEach((v, n) -> b.append(String.format(Locale.ROOT, "%-10s %6d%n", v.label(), n)));
    b.append(String.format(Locale.ROOT, "%-10s %6d%n", "total", results.size()));
    List<ProbeResult> notable = new ArrayList<>();
    for (ProbeResult r : results) {
      if (r.verdict() != ProbeVerdict.OK) {
        notable.add(r);
      }
    }
    if (!notable.isEmpty()) {
      int w = Math.min(40, notable.stream().mapToInt(r -> r.host().length()).max().orElse(4));
      b.append(System.lineSeparator());
      b.append(
          String.format(Locale.ROOT, "%-" + w + "s  %-9s  %s%n", "host", "verdict", "evidence"));
      for (ProbeResult r : notable) {
        b.append(
            String.format(
                Locale.ROOT, "%-" + w + "s  %-9s  %s%n", r.host(), r.verdict().label(), r.text()));
      }
    }
    return b.toString();
  }

  /** The JSON report written by {@code --json}. */
  public String json() {
    StringBuilder b = new StringBuilder("{\n");
    b.append("  \"started\": ").append(str(started.toString())).append(",\n");
    b.append("  \"relays\": [");
    for (int i = 0; i < relays.size(); i++) {
      b.append(i > 0 ? ", " : "").append(str(relays.get(i)));
    }
    b.append("],\n  \"hosts\": ").append(results.size()).append(",\n  \"summary\": {");
    boolean first = true;
    for (Map.Entry<ProbeVerdict, Integer> e : counts().entrySet()) {
      b.append(first ? "" : ", ").append(str(e.getKey().label())).append(": ").append(e.getValue());
      first = false;
    }
    b.append("},\n  \"results\": [");
    for (int i = 0; i < results.size(); i++) {
      ProbeResult r = results.get(i);
      b.append(i > 0 ? "," : "").append("\n    {\"host\": ").append(str(r.host()));
      b.append(", \"verdict\": ").append(str(r.verdict().label()));
      b.append(", \"blocked\": ").append(r.verdict().blocked());
      b.append(", \"technique\": ")
          .append(r.evidence().map(Evidence::technique).map(t -> str(t.label())).orElse("null"));
      b.append(", \"evidence\": ").append(str(r.text()));
      b.append(", \"ms\": ").append(r.took().toMillis()).append('}');
    }
    b.append(results.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
    return b.toString();
  }

  /** A JSON string literal. */
  static String str(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }
}
