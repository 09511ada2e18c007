package io.sidestep.client.probe;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of one {@code probe} run: the summary table and the JSON report. */
public final class ProbeReport {

  private static final JsonFactory JSON = new JsonFactory();

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

  /**
   * The JSON report written by {@code --json}: {@code started}, {@code relays}, {@code hosts}, a
   * {@code summary} of counts per verdict, and one object per host in {@code results}.
   */
  public String json() {
    StringWriter out = new StringWriter();
    try (JsonGenerator g = JSON.createGenerator(out).useDefaultPrettyPrinter()) {
      g.writeStartObject();
      g.writeStringField("started", started.toString());
      g.writeArrayFieldStart("relays");
      for (String relay : relays) {
        g.writeString(relay);
      }
      g.writeEndArray();
      g.writeNumberField("hosts", results.size());
      g.writeObjectFieldStart("summary");
      for (Map.Entry<ProbeVerdict, Integer> e : counts().entrySet()) {
        g.writeNumberField(e.getKey().label(), e.getValue());
      }
      g.writeEndObject();
      g.writeArrayFieldStart("results");
      for (ProbeResult r : results) {
        g.writeStartObject();
        g.writeStringField("host", r.host());
        g.writeStringField("verdict", r.verdict().label());
        g.writeBooleanField("blocked", r.verdict().blocked());
        g.writeStringField("technique", r.evidence().map(e -> e.technique().label()).orElse(null));
        g.writeStringField("evidence", r.text());
        g.writeNumberField("ms", r.took().toMillis());
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return out.append(System.lineSeparator()).toString();
  }
}
