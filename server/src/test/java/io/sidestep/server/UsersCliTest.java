package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.cli.Cli;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.cli.ServerMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code users add/set/show/rotate} with limits, against a running relay that picks the changes up
 * from the state directory.
 */
@Timeout(60)
class UsersCliTest {

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
  void limitsSetByTheCommandLineAreShownAndEnforced(@TempDir Path state) throws Exception {
    TestOrigin http = TestOrigin.http();
    try (http;
        Relay relay =
            TestRelays.reachingLoopback(state).usersPollInterval(Duration.ofMillis(50)).start()) {
      String s = state.toString();
      String address = "127.0.0.1:" + relay.address().getPort();
      LocalDate yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1);
      Result add =
          run(
              "users",
              "add",
              "bob",
              "--state",
              s,
              "--address",
              address,
              "--limit",
              "50GB/30d",
              "--expires",
              yesterday.toString(),
              "--max-conns",
              "3",
              "--rate",
              "10Mbit/s");
      assertThat(add.code()).as(add.err()).isZero();
      AccessKey key = AccessKey.parse(add.lastLine());

      Result show = run("users", "show", "bob", "--state", s);
      assertThat(show.out())
          .contains(
              "limit=50GB/30d",
              "expires=" + yesterday,
              "max-conns=3",
              "rate=10Mbit/s",
              "last seen  never")
          .doesNotContain(key.token());
      assertThat(Files.readString(state.resolve(Users.FILE_NAME))).doesNotContain(key.token());

      assertThat(refusal(relay, http, key)).isEqualTo("access key expired on " + yesterday);
      assertThat(run("users", "set", "bob", "--state", s, "--expires", "none").code()).isZero();
      assertThat(refusal(relay, http, key)).as("no more expiry").isNull();
      assertThat(run("users", "show", "bob", "--state", s).out())
          .doesNotContain("expires=")
          .contains("limit=50GB/30d");

      Result rotate = run("users", "rotate", "bob", "--state", s, "--address", address);
      assertThat(rotate.code()).as(rotate.err()).isZero();
      AccessKey fresh = AccessKey.parse(rotate.lastLine());
      assertThat(fresh.token()).isNotEqualTo(key.token());
      assertThat(refusal(relay, http, fresh)).isNull();
      try (RelayClient c = RelayClient.connect(relay.address())) {
        assertThat(c.request(RelayClient.connectRequest(http.port(), key)).status())
            .as("the old key is a stranger's")
            .isNotEqualTo(200);
      }

      relay.saveUsage();
      assertThat(run("users", "show", "bob", "--state", s).out())
          .doesNotContain("last seen  never");
    }
  }

  @Test
  void badLimitsAreUsageErrors(@TempDir Path state) {
    String s = state.toString();
    Result bad = run("users", "add", "x", "--state", s, "--address", "h:1", "--limit", "50GB");
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).contains("limit: '50GB' (expected: SIZE/DAYSd");
    assertThat(run("users", "add", "x", "--state", s, "--address", "h:1", "--rate", "fast").err())
        .contains("rate: 'fast'");
    assertThat(run("users", "set", "nobody", "--state", s, "--max-conns", "2").err())
        .contains("no user 'nobody'");
  }

  /**
   * The reason the relay gives for refusing {@code key}, or null when it lets it in; the relay
   * reads the users file first, as it would within its poll interval.
   */
  static String refusal(Relay relay, TestOrigin http, AccessKey key) throws Exception {
    relay.reloadUsers();
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r = c.request(RelayClient.connectRequest(http.port(), key));
      return r.status() == 200 ? null : r.header("Sidestep-Refused");
    }
  }
}
