package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;

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
  void theJsonReportHasOneObjectPerHost() {
    String json = report.json();
    assertThat(json)
        .contains("\"started\": \"2026-11-27T18:00:00Z\"")
        .contains("\"relays\": [\"home\"]")
        .contains("\"summary\": {\"ok\": 1, \"dns\": 0, \"tcp_ip\": 0, \"tls\": 1")
        .contains(
            "{\"host\": \"blocked.example\", \"verdict\": \"tls\", \"blocked\": true,"
                + " \"technique\": \"8 tls-silence\", \"evidence\": \"no byte 3000 ms after"
                + " ClientHello; relay ok\", \"ms\": 3400}")
        .contains("\"technique\": null");
    assertThat(ProbeReport.str("a\"b\\c\nd\u0001")).isEqualTo("\"a\\\"b\\\\c\\nd\\u0001\"");
    assertThat(new ProbeReport(t, List.of(), List.of()).json()).endsWith("\"results\": []\n}\n");
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
