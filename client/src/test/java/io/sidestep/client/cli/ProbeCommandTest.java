package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidestep.client.detect.LoopbackNet;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code probe} from the command line, on the loopback censored network. */
@Timeout(120)
class ProbeCommandTest {

  @TempDir Path tmp;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      int code = ClientMain.execute(args);
      return new Result(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  @Test
  void probesAListWritesJsonAndLearnsTheBlockedHosts() throws Exception {
    try (LoopbackNet net = LoopbackNet.start(tmp)) {
      Path list = tmp.resolve("list.csv");
      Files.writeString(
          list,
          "url,category_code\n"
              + "https://reset.example:"
              + net.httpsPort()
              + "/,NEWS\n"
              + "https://open.example:"
              + net.httpsPort()
              + "/,NEWS\n"
              + "not a url at all,X\n");
      Path json = tmp.resolve("report.json");
      Path state = tmp.resolve("state");
      long start = System.nanoTime();
      Result r =
          run(
              "probe",
              "--list",
              list.toString(),
              "--relay",
              net.key().toUri(),
              "--dns",
              "127.0.0.1:" + net.resolverPort(),
              "--json",
              json.toString(),
              "--learn",
              "--state",
              state.toString(),
              "--first-read-timeout",
              "1500ms");
      assertThat(r.code()).as(r.err()).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
      assertThat(r.out()).contains("tls             1").contains("total           2");
      assertThat(r.out()).contains("reset.example").contains("reset after ClientHello");
      assertThat(r.err()).contains("skipped list.csv:4: not a url at all");
      assertThat(r.err()).doesNotContain(net.key().token());
      JsonNode reset = null;
      for (JsonNode host : new ObjectMapper().readTree(json.toFile()).get("results")) {
        if (host.get("host").asText().equals("reset.example")) {
          reset = host;
        }
      }
      assertThat(reset).as("reset.example in the JSON report").isNotNull();
      assertThat(reset.get("verdict").asText()).isEqualTo("tls");
      assertThat(reset.get("blocked").asBoolean()).isTrue();
      assertThat(Files.readString(state.resolve("learned.rules")))
          .contains("DOMAIN,reset.example,RELAY # technique=7 tls-reset")
          .doesNotContain("open.example");
    }
  }

  @Test
  void badOptionsAreNamed() {
    Result missing = run("probe", "--list", tmp.resolve("nope.txt").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("--list").contains("nope.txt");
    Result parallel = run("probe", "--list", "x", "--parallel", "0");
    assertThat(parallel.code()).isEqualTo(1);
    assertThat(parallel.err()).contains("--parallel: 0");
    Result timeout = run("probe", "--list", "x", "--connect-timeout", "soon");
    assertThat(timeout.err()).contains("--connect-timeout: 'soon'");
  }

  @Test
  void durationsParse() {
    assertThat(OptionValues.duration("--x", "1500ms")).isEqualTo(Duration.ofMillis(1500));
    assertThat(OptionValues.duration("--x", "2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(OptionValues.duration("--x", "0.5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(OptionValues.duration("--x", "1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(OptionValues.duration("--x", "3")).isEqualTo(Duration.ofSeconds(3));
  }
}
