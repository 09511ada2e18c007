package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.server.fleet.FleetKey;
import io.sidestep.server.fleet.SignedToken;
import io.sidestep.server.fleet.TrustKey;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of two relays that trust one operator key: `fleet init`, `fleet issue` and `fleet revoke`
 * as the operator runs them, against real relays started with the key and the revocation list.
 */
@Timeout(60)
class FleetTest {

  static AccountsTest.Echo echo;
  @TempDir Path dir;
  Path keyFile;
  Path revocations;
  Relay one;
  Relay two;

  @BeforeAll
  static void startEcho() throws Exception {
    echo = new AccountsTest.Echo();
  }

  @AfterAll
  static void stopEcho() throws Exception {
    echo.close();
  }

  @BeforeEach
  void start() throws Exception {
    keyFile = dir.resolve("operator/fleet-key.pem");
    revocations = dir.resolve("revocations");
    UsersCliTest.Result init = UsersCliTest.run("fleet", "init", "--key", keyFile.toString());
    assertThat(init.code()).as(init.err()).isZero();
    TrustKey trust = TrustKey.parse(init.lastLine());
    assertThat(TrustKey.parseOrRead(keyFile + ".pub")).isEqualTo(trust);
    assertThat(Files.getPosixFilePermissions(keyFile))
        .containsExactlyInAnyOrder(
            java.nio.file.attribute.PosixFilePermission.OWNER_READ,
            java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    // Relays use the default poll interval (1 s), as deployed.
    one = relay(dir.resolve("one"), trust);
    two = relay(dir.resolve("two"), trust);
  }

  Relay relay(Path state, TrustKey trust) {
    return TestRelays.reachingLoopback(state).trustKey(trust).revocations(revocations).start();
  }

  @AfterEach
  void stop() {
    if (one != null) {
      one.close();
    }
    if (two != null) {
      two.close();
    }
  }

  /** `fleet issue NAME --relay ONE,TWO --pin PIN1,PIN2 EXTRA…`: the key, one entry per relay. */
  String issue(String name, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "fleet",
                "issue",
                name,
                "--key",
                keyFile.toString(),
                "--relay",
                authority(one) + "," + authority(two),
                "--pin",
                one.pin() + "," + two.pin()));
    args.addAll(List.of(extra));
    UsersCliTest.Result r = UsersCliTest.run(args.toArray(String[]::new));
    assertThat(r.code()).as(r.err()).isZero();
    return r.lastLine();
  }

  static String authority(Relay r) {
    return "127.0.0.1:" + r.address().getPort();
  }

  /** The entry of a multi-relay key for {@code relay}. */
  static AccessKey at(String key, Relay relay) {
    return AccessKey.parseAll(key).stream()
        .filter(k -> k.relay().port() == relay.address().getPort())
        .findFirst()
        .orElseThrow();
  }

  static RelayClient.Response connect(Relay relay, String user, String token) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(
          "CONNECT 127.0.0.1:"
              + echo.port()
              + " HTTP/1.1\r\n"
              + (user == null ? "" : "Proxy-Authorization: " + RelayClient.basic(user, token))
              + (user == null ? "" : "\r\n")
              + "\r\n");
    }
  }

  static RelayClient tunnel(Relay relay, AccessKey key) throws Exception {
    RelayClient c = RelayClient.connect(relay.address());
    RelayClient.Response r = c.request(RelayClient.connectRequest(echo.port(), key));
    assertThat(r.status()).as("tunnel through %s", relay.address()).isEqualTo(200);
    AccountsTest.echoes(c, 1000);
    return c;
  }

  static void looksLikeAStranger(Relay relay, String user, String token) throws Exception {
    RelayClient.Response stranger = connect(relay, null, null);
    RelayClient.Response r = connect(relay, user, token);
    ProbeResistanceTest.looksLikeAWebServer(r);
    assertThat(r.status()).isEqualTo(stranger.status());
    assertThat(r.headerNames()).isEqualTo(stranger.headerNames());
    assertThat(r.body()).isEqualTo(stranger.body());
  }

  @Test
  void aSignedKeyWorksOnEveryRelayWithoutAUsersFileEntry() throws Exception {
    String key = issue("alice");
    assertThat(key).startsWith("sidestep://alice:f1.").contains(",").endsWith("#alice");
    assertThat(Users.in(one.stateDir()).list()).isEmpty();
    for (Relay r : List.of(one, two)) {
      try (RelayClient c = tunnel(r, at(key, r))) {
        AccountsTest.echoes(c, 10_000);
      }
    }
  }

  @Test
  void forgedWrongKeyExpiredAndBorrowedTokensGetWhatAStrangerGets() throws Exception {
    String token = at(issue("alice"), one).token();
    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    String expired = at(issue("old", "--expires", yesterday), one).token();
    String other =
        SignedToken.issue("alice", Limits.NONE).sign(FleetKey.generate()); // not the fleet's key
    String payload = token.substring(0, token.lastIndexOf('.'));
    String tampered =
        SignedToken.PREFIX
            + java.util.Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    new String(
                            java.util.Base64.getUrlDecoder()
                                .decode(payload.substring(SignedToken.PREFIX.length())),
                            java.nio.charset.StandardCharsets.UTF_8)
                        .concat(" max-conns=99")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8))
            + token.substring(token.lastIndexOf('.'));
    // A character inside the signature (the last one carries padding bits too).
    int i = token.length() - 10;
    String flipped =
        token.substring(0, i) + (token.charAt(i) == 'A' ? 'B' : 'A') + token.substring(i + 1);
    for (Relay r : List.of(one, two)) {
      assertThat(connect(r, "alice", token).status()).isEqualTo(200);
      looksLikeAStranger(r, "alice", other);
      looksLikeAStranger(r, "alice", tampered);
      looksLikeAStranger(r, "alice", flipped);
      looksLikeAStranger(r, "mallory", token); // someone else's token
      looksLikeAStranger(r, "old", expired);
      looksLikeAStranger(r, "alice", "f1.garbage");
    }
    try (Relay plain = TestRelays.reachingLoopback(dir.resolve("plain")).start()) {
      looksLikeAStranger(plain, "alice", token); // a relay that trusts no fleet key
    }
  }

  @Test
  void aForgedSignedTokenTakesAsLongAsNoToken() throws Exception {
    // As TokenTimingTest: an extra round trip or a slow path would show, not microseconds.
    String forged =
        SignedToken.issue("alice", Limits.NONE.withLifetime(1_000_000)).sign(FleetKey.generate());
    String none = "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n";
    String wrong =
        "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: "
            + RelayClient.basic("alice", forged)
            + "\r\n\r\n";
    long[] noneNanos = new long[TokenTimingTest.TRIES];
    long[] wrongNanos = new long[TokenTimingTest.TRIES];
    try (RelayClient c = RelayClient.connect(one.address())) {
      for (int i = 0; i < 50; i++) {
        c.request(none);
        c.request(wrong);
      }
      for (int i = 0; i < TokenTimingTest.TRIES; i++) {
        noneNanos[i] = TokenTimingTest.timed(c, none);
        wrongNanos[i] = TokenTimingTest.timed(c, wrong);
      }
    }
    long w = TokenTimingTest.median(wrongNanos);
    long n = TokenTimingTest.median(noneNanos);
    System.out.printf("forged signed token: median %d ns, no token: median %d ns%n", w, n);
    assertThat((double) w / n)
        .as("median with a forged token / median with none (%d / %d ns)", w, n)
        .isBetween(0.5, 2.0);
  }

  @Test
  void theLimitsASignedKeyCarriesAreEnforcedWithTheirReason() throws Exception {
    AccessKey key = at(issue("carol", "--lifetime-limit", "10kB", "--max-conns", "1"), one);
    try (RelayClient c = tunnel(one, key)) {
      RelayClient.Response second = connect(one, "carol", key.token());
      assertThat(second.status()).isEqualTo(403);
      assertThat(second.header("Sidestep-Refused"))
          .isEqualTo("too many connections: at most 1 at once");
      c.write(new byte[12_000]);
      assertThat(RelayClient.readsToEnd(c.socket())).as("closed over the lifetime limit").isTrue();
    }
    assertThat(connect(one, "carol", key.token()).header("Sidestep-Refused"))
        .startsWith("over the lifetime data limit of 10kB");
  }

  @Test
  void aRevokedKeyStopsOnEveryRelayWithinTwoSecondsAndItsTunnelsClose() throws Exception {
    String alice = issue("alice");
    String bob = issue("bob");
    List<RelayClient> tunnels = List.of(tunnel(one, at(alice, one)), tunnel(two, at(alice, two)));
    try {
      UsersCliTest.Result r =
          UsersCliTest.run(
              "fleet",
              "revoke",
              "alice",
              "--key",
              keyFile.toString(),
              "--revocations",
              revocations.toString());
      assertThat(r.code()).as(r.err()).isZero();
      long changed = Files.getLastModifiedTime(revocations).toMillis();
      long deadline = changed + 2000;
      for (RelayClient t : tunnels) {
        t.socket().setSoTimeout((int) Math.max(1, deadline - System.currentTimeMillis()));
        assertThat(closedBefore(t))
            .as("the revoked key's tunnel closes within 2 s of the list's change")
            .isTrue();
      }
      for (Relay relay : List.of(one, two)) {
        int status = 200;
        while (status == 200 && System.currentTimeMillis() < deadline) {
          status = connect(relay, "alice", at(alice, relay).token()).status();
        }
        assertThat(status).as("refused within 2 s").isNotEqualTo(200);
        looksLikeAStranger(relay, "alice", at(alice, relay).token());
        assertThat(connect(relay, "bob", at(bob, relay).token()).status())
            .as("other users' keys still work")
            .isEqualTo(200);
      }
    } finally {
      for (RelayClient t : tunnels) {
        t.close();
      }
    }
    String again = issue("alice");
    for (Relay relay : List.of(one, two)) {
      assertThat(connect(relay, "alice", at(again, relay).token()).status())
          .as("a key issued after the revocation works")
          .isEqualTo(200);
    }
  }

  @Test
  void revokingOneTokenByIdLeavesTheUsersOtherKeys() throws Exception {
    String first = issue("dora");
    String second = issue("dora");
    String id = SignedTokenAccess.id(at(first, one).token());
    UsersCliTest.Result r =
        UsersCliTest.run(
            "fleet",
            "revoke",
            "id:" + id,
            "--key",
            keyFile.toString(),
            "--revocations",
            revocations.toString());
    assertThat(r.code()).as(r.err()).isZero();
    one.reloadUsers(); // reads the changed list now
    looksLikeAStranger(one, "dora", at(first, one).token());
    assertThat(connect(one, "dora", at(second, one).token()).status()).isEqualTo(200);
  }

  @Test
  void aTamperedRevocationListIsRefusedAndThePreviousOneStays() throws Exception {
    String alice = issue("alice");
    UsersCliTest.Result r =
        UsersCliTest.run(
            "fleet",
            "revoke",
            "alice",
            "--key",
            keyFile.toString(),
            "--revocations",
            revocations.toString());
    assertThat(r.code()).isZero();
    one.reloadUsers();
    looksLikeAStranger(one, "alice", at(alice, one).token());
    // Someone removes the entry without the key: the signature no longer verifies.
    String text = Files.readString(revocations);
    Files.writeString(revocations, text.replaceAll("(?m)^user alice .*\\n", ""));
    one.reloadUsers();
    looksLikeAStranger(one, "alice", at(alice, one).token());
    UsersCliTest.Result cli =
        UsersCliTest.run(
            "fleet",
            "revoke",
            "bob",
            "--key",
            keyFile.toString(),
            "--revocations",
            revocations.toString());
    assertThat(cli.code()).isEqualTo(1);
    assertThat(cli.err()).contains("signature does not verify");
  }

  @Test
  void badTrustKeysAndOptionsAreClearErrors() {
    UsersCliTest.Result again = UsersCliTest.run("fleet", "init", "--key", keyFile.toString());
    assertThat(again.code()).isEqualTo(1);
    assertThat(again.err()).contains("exists").doesNotContain("Exception");
    UsersCliTest.Result pins =
        UsersCliTest.run(
            "fleet",
            "issue",
            "x",
            "--key",
            keyFile.toString(),
            "--relay",
            "a:1,b:2,c:3",
            "--pin",
            one.pin() + "," + two.pin());
    assertThat(pins.code()).isEqualTo(2);
    assertThat(pins.err()).contains("2 pins for 3 relays");
    UsersCliTest.Result trust =
        UsersCliTest.run("run", "--trust-key", "ed25519:short", "--listen", "127.0.0.1:0");
    assertThat(trust.code()).isEqualTo(2);
    assertThat(trust.err()).contains("--trust-key").contains("expected: ed25519:");
    UsersCliTest.Result alone =
        UsersCliTest.run("run", "--revocations", revocations.toString(), "--listen", "127.0.0.1:0");
    assertThat(alone.code()).isEqualTo(2);
    assertThat(alone.err()).contains("--revocations needs --trust-key");
    UsersCliTest.Result noKey =
        UsersCliTest.run(
            "fleet", "issue", "x", "--key", dir.resolve("none.pem").toString(), "--relay", "a:1");
    assertThat(noKey.code()).isEqualTo(1);
    assertThat(noKey.err()).contains("does not exist").doesNotContain("Exception");
  }

  /** Waits for the relay to close {@code t}, until the socket's timeout. */
  static boolean closedBefore(RelayClient t) throws Exception {
    try {
      return t.closedByRelay();
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  /** Reads a signed token's id (as `fleet issue` prints it) from its text. */
  static final class SignedTokenAccess {
    static String id(String token) {
      String payload =
          new String(
              java.util.Base64.getUrlDecoder()
                  .decode(token.substring(SignedToken.PREFIX.length(), token.lastIndexOf('.'))),
              java.nio.charset.StandardCharsets.UTF_8);
      return payload.replaceAll(".* id=(\\S+).*", "$1");
    }
  }
}
