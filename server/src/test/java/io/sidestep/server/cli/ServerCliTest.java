package io.sidestep.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.cli.Cli;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.tls.Pem;
import io.sidestep.core.tls.Pins;
import io.sidestep.server.Relay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The relay's command line: exit 0 ok, 1 failure, 2 bad usage; messages, not stack traces. */
@Timeout(60)
class ServerCliTest {

  record Result(int code, String out, String err) {
    String lastLine() {
      String[] lines = out.strip().split("\n");
      return lines[lines.length - 1];
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Cli.commandLine(new ServerMain());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  @Test
  void helpExplainsEveryOption() {
    Result r = run("run", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out().replaceAll("\\s+", ""))
        .as("help text, whitespace removed since picocli wraps lines")
        .contains(
            "--listen",
            "--state",
            "--cert",
            "--key",
            "--allow-destination",
            "--decoy-dir",
            "--fallback",
            "--idle-timeout",
            "--handshake-timeout",
            "--log-destinations",
            "Default:0.0.0.0:443",
            "Default:~/.sidestep-relay");
    assertThat(run("--help").out()).contains("run", "users");
    assertThat(run("users", "add", "--help").out()).contains("--address", "sidestep://");
  }

  @Test
  void badOptionsGiveAClearMessageAndExitCode2(@TempDir Path dir) {
    String state = dir.toString();
    List<String[]> bad =
        List.of(
            new String[] {"run", "--listen", "nowhere"},
            new String[] {"run", "--listen", "127.0.0.1:99999"},
            new String[] {"run", "--allow-destination", "300.1.1.1/8", "--state", state},
            new String[] {"run", "--allow-destination", "10.0.0.0/40", "--state", state},
            new String[] {"run", "--cert", "x.pem", "--state", state},
            new String[] {"run", "--idle-timeout", "0", "--state", state},
            new String[] {"run", "--fallback", "nowhere:0", "--state", state},
            new String[] {"run", "--bogus"},
            new String[] {"users"},
            new String[] {"users", "add", "alice", "--state", state},
            new String[] {"users", "add", "bad name!", "--state", state, "--address", "h:1"},
            new String[] {"users", "add", "alice", "--state", state, "--address", "h:0"});
    for (String[] args : bad) {
      Result r = run(args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).as(String.join(" ", args)).isNotBlank().doesNotContain("\tat ");
    }
    assertThat(run("run", "--cert", "x.pem", "--state", state).err())
        .contains("--cert and --key go together");
    assertThat(run("users", "add", "bad name!", "--state", state, "--address", "h:1").err())
        .contains("user name: 'bad name!'");
    // A control character in a value is printed as an escape, never raw to the terminal.
    Result escape = run("users", "add", "evil\u001b[31m", "--state", state, "--address", "h:1");
    assertThat(escape.code()).isEqualTo(2);
    assertThat(escape.err()).contains("user name: 'evil\\u001b[31m'").doesNotContain("\u001b");
    Result missing = run("users", "remove", "x\u001by", "--state", state);
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("x\\u001by").doesNotContain("\u001b");
  }

  @Test
  void usersAddListRemove(@TempDir Path dir) throws Exception {
    String state = dir.resolve("st").toString();
    Result add = run("users", "add", "alice", "--state", state, "--address", "relay.example:8443");
    assertThat(add.code()).isZero();
    AccessKey key = AccessKey.parse(add.lastLine());
    assertThat(add.lastLine())
        .matches(
            "sidestep://alice:[A-Za-z0-9_-]{43}@relay\\.example:8443\\?pin=sha256/[A-Za-z0-9+/]{43}=#alice");
    assertThat(key.pin())
        .contains(Pins.of(Pem.readCertificates(dir.resolve("st/relay-cert.pem")).get(0)));
    Result dup = run("users", "add", "alice", "--state", state, "--address", "relay.example:8443");
    assertThat(dup.code()).isEqualTo(1);
    assertThat(dup.err()).contains("already exists");
    assertThat(run("users", "list", "--state", state).out()).contains("alice");
    assertThat(run("users", "remove", "alice", "--state", state).code()).isZero();
    Result gone = run("users", "remove", "alice", "--state", state);
    assertThat(gone.code()).isEqualTo(1);
    assertThat(gone.err()).contains("no user 'alice'");
    assertThat(run("users", "list", "--state", state).out()).contains("no users");
  }

  @Test
  void aBusyPortIsAClearFailure(@TempDir Path dir) throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result r =
          run("run", "--listen", "127.0.0.1:" + busy.getLocalPort(), "--state", dir.toString());
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.err())
          .contains("cannot listen on 127.0.0.1:" + busy.getLocalPort())
          .contains("in use")
          .doesNotContain("\tat ");
    }
  }

  @Test
  void runServesUntilInterrupted(@TempDir Path dir) throws Exception {
    try (LogCapture log = LogCapture.of(Relay.class)) {
      AtomicInteger code = new AtomicInteger(-1);
      Thread t =
          new Thread(
              () ->
                  code.set(
                      run("run", "--listen", "127.0.0.1:0", "--state", dir.toString()).code()));
      t.start();
      // The relay reports the port it bound: the one that port 0 picked.
      String listening =
          log.await(l -> l.startsWith("listening on 127.0.0.1:"), Duration.ofSeconds(30));
      assertThat(listening).as("the relay says where it listens").isNotNull();
      int port = Integer.parseInt(listening.substring("listening on 127.0.0.1:".length()));
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      }
      Result add =
          run("users", "add", "zed", "--state", dir.toString(), "--address", "127.0.0.1:" + port);
      assertThat(AccessKey.parse(add.lastLine()).pin())
          .contains(Pins.of(Pem.readCertificates(dir.resolve("relay-cert.pem")).get(0)));
      t.interrupt();
      t.join(10_000);
      assertThat(t.isAlive()).isFalse();
      assertThat(code.get()).isZero();
    }
  }
}
