package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.cli.ClientMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run command's refusals: each exits 1 with one clear line and never prints a token. */
class RunCommandTest {

  @TempDir Path state;

  private record Result(int code, String err) {}

  private static Result run(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      int code = ClientMain.execute(args);
      return new Result(code, buf.toString(StandardCharsets.UTF_8));
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void badAccessKeyIsNamedWithoutItsToken() {
    Result r =
        run(
            "run",
            "--state",
            state.toString(),
            "--relay",
            "sidestep://bob:TOPSECRET@relay.test:443?pin=sha256/short");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("pin").doesNotContain("TOPSECRET");
    Result noToken =
        run("run", "--state", state.toString(), "--relay", "sidestep://relay.test:443");
    assertThat(noToken.code()).isEqualTo(1);
    assertThat(noToken.err()).contains("access key");
  }

  @Test
  void nonLoopbackDoorWithoutCredentialsIsRefused() {
    Result r =
        run("run", "--state", state.toString(), "--socks", "0.0.0.0:0", "--http", "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("socks door: 0.0.0.0:0 is not a loopback address")
        .contains("--door-credentials");
  }

  @Test
  void badDoorAddressIsNamed() {
    Result r = run("run", "--state", state.toString(), "--http", "somewhere");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--http: 'somewhere'");
  }

  @Test
  void badRulesFileStopsTheStartWithFileAndLine() throws Exception {
    Path rules = state.resolve("bad-rules.txt");
    java.nio.file.Files.writeString(
        rules, "# fine\nDOMAIN,example.org,RELAY\nDOMAN-SUFFIX,x.org,DIRECT\n");
    Result r =
        run(
            "run",
            "--state",
            state.toString(),
            "--rules",
            rules.toString(),
            "--http",
            "127.0.0.1:0",
            "--socks",
            "127.0.0.1:0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains(rules + ":3:").contains("DOMAN-SUFFIX");
  }

  @Test
  void dnsMustBeAnAddress() {
    Result r =
        run(
            "run",
            "--state",
            state.toString(),
            "--http",
            "127.0.0.1:0",
            "--socks",
            "127.0.0.1:0",
            "--dns",
            "dns.example");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--dns: 'dns.example'");
  }
}
