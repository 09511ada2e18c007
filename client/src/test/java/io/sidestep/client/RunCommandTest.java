package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.cli.ClientMain;
import io.sidestep.core.testing.LogCapture;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run command: its refusals each exit 1 with one clear line and never print a token; relay keys
 * come from the command line, a private file and the environment.
 */
@Timeout(60)
class RunCommandTest {

  static final String KEY_A =
      "sidestep://alice:TOKEN-A-0123456789@relay-a.test:443?pin=sha256/"
          + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=#alice";
  static final String KEY_B =
      "sidestep://bob:TOKEN-B-0123456789@relay-b.test:8443?pin=sha256/"
          + "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=#bob";

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
  void aNegativeThreadCountIsNamed() {
    Result r = run("run", "--state", state.toString(), "--io-threads", "-1");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--io-threads: -1 (expected 1 or more");
    Result word = run("run", "--state", state.toString(), "--io-threads", "many");
    assertThat(word.code()).isEqualTo(2);
    assertThat(word.err()).contains("--io-threads");
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

  @Test
  void aBadTlsHelloIsNamedWithTheChoices() {
    Result r =
        run(
            "run",
            "--state",
            state.toString(),
            "--http",
            "127.0.0.1:0",
            "--socks",
            "127.0.0.1:0",
            "--tls-hello",
            "firefox");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("--tls-hello: 'firefox' (expected: chrome or fast)");
  }

  @Test
  void helpExplainsTheTlsHello() {
    PrintStream old = System.out;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
    try {
      assertThat(ClientMain.execute("run", "--help")).isZero();
    } finally {
      System.setOut(old);
    }
    assertThat(buf.toString(StandardCharsets.UTF_8))
        .contains("--tls-hello=HELLO")
        .contains("default: chrome")
        .contains("-Dsidestep.tls.engine=chrome");
  }

  /** Writes {@code lines} to a file with the given permissions, e.g. {@code rw-------}. */
  private Path keyFile(String permissions, String... lines) throws IOException {
    Path f = state.resolve("relays-" + permissions.replace('-', '_'));
    Files.write(f, List.of(lines), StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(permissions));
    return f;
  }

  @Test
  void relayFileReadableByOthersIsRefusedWithoutItsToken() throws Exception {
    for (String open : List.of("rw-r--r--", "rw-r-----", "r-----r--", "rw--w----")) {
      Path f = keyFile(open, KEY_A);
      Result r =
          run(
              "run",
              "--state",
              state.toString(),
              "--http",
              "127.0.0.1:0",
              "--socks",
              "127.0.0.1:0",
              "--relay-file",
              f.toString());
      assertThat(r.code()).as(open).isEqualTo(1);
      assertThat(r.err())
          .as(open)
          .contains("--relay-file: " + f + " is open to group or others (" + open)
          .contains("chmod 600")
          .doesNotContain("TOKEN-A");
    }
  }

  @Test
  void aBadKeyInTheRelayFileIsNamedByLineWithoutItsToken() throws Exception {
    Path f =
        keyFile(
            "rw-------",
            "# my relays",
            "",
            KEY_A,
            "sidestep://carol:TOKEN-C@relay.test:443?pin=sha256/short");
    Result r =
        run(
            "run",
            "--state",
            state.toString(),
            "--http",
            "127.0.0.1:0",
            "--socks",
            "127.0.0.1:0",
            "--relay-file",
            f.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err())
        .contains("--relay-file: " + f + ":4: access key pin")
        .contains("pin")
        .doesNotContain("TOKEN-C")
        .doesNotContain("TOKEN-A");
    Result missing =
        run("run", "--state", state.toString(), "--relay-file", state.resolve("nope").toString());
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("--relay-file").contains("nope");
  }

  @Test
  void keysFromTheRelayFileComeAfterThoseOfTheCommandLine() throws Exception {
    Path f = keyFile("r--------", "# comment, then a blank line", "", "  " + KEY_B + "  ");
    try (LogCapture log = LogCapture.of(Client.class)) {
      AtomicInteger code = new AtomicInteger(-1);
      Thread t =
          new Thread(
              () ->
                  code.set(
                      run(
                              "run",
                              "--state",
                              state.toString(),
                              "--http",
                              "127.0.0.1:0",
                              "--socks",
                              "127.0.0.1:0",
                              "--relay",
                              KEY_A,
                              "--relay-file",
                              f.toString())
                          .code()));
      t.start();
      String relays = log.await(l -> l.startsWith("relays, in order: "), Duration.ofSeconds(30));
      t.interrupt();
      t.join(10_000);
      assertThat(relays)
          .isEqualTo("relays, in order: alice at relay-a.test:443, bob at relay-b.test:8443");
      assertThat(t.isAlive()).as("an interrupt stops the client").isFalse();
      assertThat(code.get()).isZero();
      assertThat(log.lines()).noneMatch(l -> l.contains("TOKEN-"));
    }
  }

  /** The environment variable, read by a client in a process of its own. */
  @Test
  void keysFromTheEnvironmentComeLastAndABadOneIsNamedWithoutItsToken() throws Exception {
    Process p = runInProcess(KEY_A + "\n " + KEY_B + " ");
    try {
      String relays = awaitLine(p, "relays, in order: ");
      assertThat(relays)
          .endsWith("relays, in order: alice at relay-a.test:443, bob at relay-b.test:8443");
    } finally {
      p.destroy();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    Process bad = runInProcess(KEY_A + " sidestep://carol:TOKEN-C@relay.test:443?pin=sha256/short");
    String output = new String(bad.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bad.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(bad.exitValue()).isEqualTo(1);
    assertThat(output).contains("SIDESTEP_RELAY: access key pin").doesNotContain("TOKEN-");
  }

  private Process runInProcess(String environment) throws IOException {
    List<String> argv = new ArrayList<>();
    argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    argv.addAll(List.of("-cp", System.getProperty("java.class.path")));
    argv.add(ClientMain.class.getName());
    argv.addAll(
        List.of(
            "run", "--state", state.toString(), "--http", "127.0.0.1:0", "--socks", "127.0.0.1:0"));
    ProcessBuilder b = new ProcessBuilder(argv).redirectErrorStream(true);
    b.environment().put("SIDESTEP_RELAY", environment);
    Process p = b.start();
    p.getOutputStream().close();
    return p;
  }

  /** Reads the process's output until a line contains {@code text}; fails if it ends first. */
  private static String awaitLine(Process p, String text) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    StringBuilder seen = new StringBuilder();
    for (String line; (line = in.readLine()) != null; ) {
      if (line.contains(text)) {
        return line;
      }
      seen.append(line).append('\n');
    }
    throw new AssertionError("the client ended without '" + text + "'; its output:\n" + seen);
  }
}
