package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.detect.Technique;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProbeReportTest {
  private final Instant t = Instant.parse("2026-11-27T18:00:00Z");
  private final ProbeReport report =
      new ProbeReport(
          t,
          List.of("home"),
          List.of(
              ProbeResult.ok("open.example", "TLS handshake ok", Duration.ofMillis(120)),
              ProbeResult.blocked(
                  "blocked.example",
                  new Evidence(
                      Technique.TLS_SILENCE, "no byte 3000 ms after ClientHello; relay ok", t),
                  Duration.ofMillis(3400)),
              ProbeResult.down(
                  "gone.example", "connect refused; relay: refused too", Duration.ofMillis(30))));

  @Test
  void countsEveryVerdict() {
    assertThat(report.counts())
        .containsEntry(ProbeVerdict.OK, 1)
        .containsEntry(ProbeVerdict.TLS, 1)
        .containsEntry(ProbeVerdict.DOWN, 1)
        .containsEntry(ProbeVerdict.DNS, 0)
        .hasSize(8);
  }

  @Test
  void theTableListsCountsAndNotableHosts() {
    String table = report.table();
    assertThat(table).contains("ok              1", "tls             1", "total           3");
    assertThat(table).contains("blocked.example  tls        no byte 3000 ms after ClientHello");
    assertThat(table).contains("gone.example     down       connect refused");
    assertThat(table).doesNotContain("open.example");
  }

  @Test
  void theJsonReportHasOneObjectPerHost() throws Exception {
    JsonNode json = new ObjectMapper().readTree(report.json());
    assertThat(json.get("started").asText()).isEqualTo("2026-11-27T18:00:00Z");
    assertThat(json.get("relays")).extracting(JsonNode::asText).containsExactly("home");
    assertThat(json.get("hosts").asInt()).isEqualTo(3);
    JsonNode summary = json.get("summary");
    assertThat(summary.fieldNames())
        .toIterable()
        .as("every verdict, in order")
        .containsExactly(
            java.util.Arrays.stream(ProbeVerdict.values())
                .map(ProbeVerdict::label)
                .toArray(String[]::new));
    assertThat(summary.get("ok").asInt()).isEqualTo(1);
    assertThat(summary.get("dns").asInt()).isZero();
    assertThat(summary.get("tls").asInt()).isEqualTo(1);
    JsonNode results = json.get("results");
    assertThat(results).hasSize(3);
    JsonNode blocked = results.get(1);
    assertThat(blocked.get("host").asText()).isEqualTo("blocked.example");
    assertThat(blocked.get("verdict").asText()).isEqualTo("tls");
    assertThat(blocked.get("blocked").isBoolean()).isTrue();
    assertThat(blocked.get("blocked").asBoolean()).isTrue();
    assertThat(blocked.get("technique").asText()).isEqualTo("8 tls-silence");
    assertThat(blocked.get("evidence").asText())
        .isEqualTo("no byte 3000 ms after ClientHello; relay ok");
    assertThat(blocked.get("ms").asLong()).isEqualTo(3400);
    assertThat(results.get(0).get("technique").isNull()).as("no evidence, no technique").isTrue();
    assertThat(results.get(0).get("blocked").asBoolean()).isFalse();

    JsonNode empty = new ObjectMapper().readTree(new ProbeReport(t, List.of(), List.of()).json());
    assertThat(empty.get("results").isArray()).isTrue();
    assertThat(empty.get("results")).isEmpty();
  }

  @Test
  void theJsonReportEscapesWhatItQuotes() throws Exception {
    String odd = "a\"b\\c\nd\u0001\u2028";
    ProbeReport r =
        new ProbeReport(
            t, List.of(odd), List.of(ProbeResult.down("x.example", odd, Duration.ofMillis(1))));
    String json = r.json();
    assertThat(json).doesNotContain("\n" + "d").doesNotContain("\u0001");
    JsonNode back = new ObjectMapper().readTree(json);
    assertThat(back.get("relays").get(0).asText()).isEqualTo(odd);
    assertThat(back.get("results").get(0).get("evidence").asText())
        .isEqualTo(r.results().get(0).text());
  }

  @Test
  void theProgressBarDrawsOnlyOnATerminal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    new ProgressBar(out, false).update(1, 2, Map.of());
    assertThat(bytes.size()).isZero();
    ProgressBar bar = new ProgressBar(out, true);
    bar.update(1, 2, report.counts());
    bar.finish();
    assertThat(bytes.toString(StandardCharsets.UTF_8))
        .startsWith("\r[###############...............] 1/2  ok 1  blocked 1  down 1");
  }
}
