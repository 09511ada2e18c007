package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExplainCommandTest {
  @TempDir Path state;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int code = ClientMain.execute(args);
      return new Run(
          code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private void rules(String text) throws IOException {
    Files.writeString(state.resolve("rules.txt"), text);
  }

  @Test
  void namesTheRuleThatDecided() throws IOException {
    rules("# mine\nDOMAIN-SUFFIX,kz,RELAY\nMATCH,AUTO\n");
    Run r = run("explain", "www.Example.KZ.", "--state", state.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "www.example.kz:443 -> RELAY\n  "
                + state.resolve("rules.txt")
                + ":2: DOMAIN-SUFFIX,kz,RELAY\n");
  }

  @Test
  void showsALearnedEntryWithItsEvidence() throws IOException {
    rules("DOMAIN,other.example,DIRECT\n");
    Files.writeString(
        state.resolve("learned.rules"),
        "DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms after"
            + " ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z;"
            + " expires=2999-12-04T18:00:00Z\n");
    Run r = run("explain", "blocked.example:8443", "--state", state.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .startsWith("blocked.example:8443 -> RELAY\n  learned: ")
        .contains("evidence=no byte 3000 ms after ClientHello, relay handshake ok");
  }

  @Test
  void namesTheNetworkEachEntryWasLearnedOn() throws IOException {
    rules("DOMAIN,other.example,DIRECT\n");
    String tail = "; learned=2026-11-27T18:00:00Z; expires=2999-12-04T18:00:00Z";
    Files.writeString(
        state.resolve("learned.rules"),
        "DOMAIN,home.example,RELAY # technique=7 tls-reset; evidence=reset"
            + tail
            + "; network=aaaaaaaaaaaa; network-name=gateway 192.0.2.1 (02:00:00:00:00:01)\n"
            + "DOMAIN,national.example,RELAY # technique=7 tls-reset; evidence=reset"
            + tail
            + "; network=aaaaaaaaaaaa; network-name=gateway 192.0.2.1\n"
            + "DOMAIN,national.example,RELAY # technique=7 tls-reset; evidence=reset"
            + tail
            + "; network=bbbbbbbbbbbb; network-name=gateway 198.51.100.1\n");
    Run home =
        run("explain", "home.example", "--network", "aaaaaaaaaaaa", "--state", state.toString());
    assertThat(home.out())
        .startsWith("home.example:443 -> RELAY\n  learned: ")
        .contains(
            "\nnetwork now: aaaaaaaaaaaa\n  learned on network aaaaaaaaaaaa (gateway 192.0.2.1"
                + " (02:00:00:00:00:01)): the current network; expires 2999-12-04T18:00:00Z\n");
    Run away =
        run("explain", "home.example", "--network", "cccccccccccc", "--state", state.toString());
    assertThat(away.out())
        .startsWith("home.example:443 -> AUTO\n  no rule: detection decides\n")
        .contains(
            "learned on network aaaaaaaaaaaa (gateway 192.0.2.1 (02:00:00:00:00:01)): not the"
                + " current network, so it does not apply here");
    Run national =
        run(
            "explain",
            "national.example",
            "--network",
            "cccccccccccc",
            "--state",
            state.toString());
    assertThat(national.out())
        .startsWith("national.example:443 -> RELAY\n")
        .contains("applies here too, learned on 2 networks (likely blocked nationwide)");
    Run bad = run("explain", "home.example", "--network", "No Such", "--state", state.toString());
    assertThat(bad.code()).isEqualTo(2);
    assertThat(bad.err()).startsWith("--network: 'No Such' (expected: a network id");
  }

  @Test
  void saysWhenDetectionDecides() throws IOException {
    rules("DOMAIN,other.example,DIRECT\n");
    Run r = run("explain", "unknown.example", "--state", state.toString());
    assertThat(r.out()).isEqualTo("unknown.example:443 -> AUTO\n  no rule: detection decides\n");
  }

  @Test
  void ipRulesApplyToAddressesAndAfterResolution() throws IOException {
    Path custom = state.resolve("custom.rules");
    Files.writeString(custom, "IP-CIDR,192.0.2.0/24,REJECT\nDOMAIN,other.example,DIRECT\n");
    Run r =
        run("explain", "192.0.2.7:80", "--rules", custom.toString(), "--state", state.toString());
    assertThat(r.out()).startsWith("192.0.2.7:80 -> REJECT\n  " + custom + ":1: IP-CIDR");
    Run named =
        run(
            "explain",
            "site.example",
            "--rules",
            custom.toString(),
            "--state",
            state.toString(),
            "--resolved",
            "192.0.2.8");
    assertThat(named.out())
        .startsWith("site.example:443 -> AUTO\n")
        .contains("resolved to [192.0.2.8] -> REJECT\n  " + custom + ":1: IP-CIDR");
  }

  @Test
  void badRulesFileExitsOneWithThePosition() throws IOException {
    rules("DOMAIN,a.example,RELAY\nDOMAN-SUFFIX,kz,RELAY\n");
    Run r = run("explain", "a.example", "--state", state.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .startsWith(state.resolve("rules.txt") + ":2:1: unknown rule type 'DOMAN-SUFFIX'");
  }

  @Test
  void badHostIsAClearError() throws IOException {
    rules("");
    Run r = run("explain", "a.example:99999", "--state", state.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("port in 'a.example:99999': 99999 (expected: 1-65535)");
  }

  @Test
  void showsNeverDirectFromARuleAndFromTheFlag() throws IOException {
    rules("DOMAIN,watched.example,NEVER-DIRECT\nDOMAIN,detect.example,AUTO\n");
    Run byRule =
        run("explain", "watched.example", "--resolved", "192.0.2.1", "--state", state.toString());
    assertThat(byRule.out())
        .isEqualTo(
            "watched.example:443 -> NEVER-DIRECT\n  "
                + state.resolve("rules.txt")
                + ":1: DOMAIN,watched.example,NEVER-DIRECT\n"
                + "resolved: never, NEVER-DIRECT sends the name to the relay unresolved\n");
    Run byFlag = run("explain", "unknown.example", "--never-direct", "--state", state.toString());
    assertThat(byFlag.out())
        .isEqualTo(
            "unknown.example:443 -> NEVER-DIRECT\n"
                + "  no rule: --never-direct, only through a relay\n");
    Run named = run("explain", "detect.example", "--never-direct", "--state", state.toString());
    assertThat(named.out())
        .isEqualTo(
            "detect.example:443 -> NEVER-DIRECT\n  --never-direct: "
                + state.resolve("rules.txt")
                + ":2: DOMAIN,detect.example,AUTO\n");
  }

  @Test
  void namesAListFetchedByUrlAndWhenItWasFetched() throws IOException {
    String url = "https://lists.example/blocked.txt";
    io.sidestep.core.rules.ListCache cache = new io.sidestep.core.rules.ListCache(state);
    cache.store(url, "blocked.example\n".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(
        cache.file(url),
        java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2026-11-30T09:05:00Z")));
    rules("RULE-SET," + url + ",RELAY,interval=6h\nMATCH,AUTO\n");
    Run r = run("explain", "blocked.example", "--state", state.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "blocked.example:443 -> RELAY\n  "
                + state.resolve("rules.txt")
                + ":1: RULE-SET,"
                + url
                + ",RELAY,interval=6h ("
                + url
                + " [fetched 2026-11-30 09:05 UTC]:1: DOMAIN blocked.example)\n");
  }
}
