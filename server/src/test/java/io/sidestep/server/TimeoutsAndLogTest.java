package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Handshake and idle timeouts close connections; each connection is logged once, no secrets, and
 * without its destination unless the operator asked for destinations.
 */
@Timeout(60)
class TimeoutsAndLogTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey alice;
  static TestOrigin http;
  static LogCapture log;

  @BeforeAll
  static void start() {
    log = LogCapture.of("io.sidestep.server.Connections", Relay.class.getName());
    http = TestOrigin.http();
    relay =
        TestRelays.reachingLoopback(state)
            .handshakeTimeout(Duration.ofMillis(300))
            .idleTimeout(Duration.ofMillis(700))
            .requestTimeout(Duration.ofMillis(1500))
            .logDestinations(true)
            .start();
    alice = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    relay.close();
    http.close();
    log.close();
  }

  @Test
  void silentAndStalledHandshakesAreClosed() throws Exception {
    for (byte[] sent :
        List.of(new byte[0], new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01})) {
      try (Socket s = new Socket()) {
        s.connect(relay.address(), RelayClient.TIMEOUT_MS);
        s.setSoTimeout(RelayClient.TIMEOUT_MS);
        s.getOutputStream().write(sent);
        assertThat(RelayClient.readsToEnd(s))
            .as("closed by the handshake timeout, before ours")
            .isTrue();
      }
    }
  }

  @Test
  void idleTunnelsAndIdleStrangersAreClosed() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      assertThat(c.request(RelayClient.connectRequest(http.port(), alice)).status()).isEqualTo(200);
      assertThat(c.closedByRelay()).isTrue();
    }
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.write("GET / HT"); // half a request, then nothing
      assertThat(c.closedByRelay()).isTrue();
    }
  }

  @Test
  void aRequestHeadTricklingInIsCutOff() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.write("GET / HTTP/1.1\r\n");
      c.socket().setSoTimeout(100);
      boolean closed = false;
      // One header byte every 100 ms or so keeps the idle timer (700 ms) from ever firing; only
      // the request timeout can end this. Bounded: 200 rounds, about 20 s at most.
      for (int i = 0; i < 200 && !closed; i++) {
        try {
          c.write("X");
          closed = c.in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
          // still open: the relay said nothing
        } catch (IOException e) {
          closed = true;
        }
      }
      assertThat(closed).as("closed while bytes were still trickling in").isTrue();
    }
  }

  @Test
  void eachUserConnectionIsLoggedOnceWithoutTheToken() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.request(RelayClient.connectRequest(http.port(), alice));
      c.write("GET /logged HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(c.readResponse().status()).isEqualTo(200);
    }
    String line =
        log.await(
            m ->
                m.startsWith("user=alice dest=127.0.0.1:" + http.port() + " result=ok")
                    && !m.contains("up=0 "),
            Duration.ofSeconds(5));
    assertThat(line).isNotNull().matches(".* up=\\d+ down=\\d+ duration=\\d+ms");
    assertThat(log.lines()).allSatisfy(m -> assertThat(m).doesNotContain(alice.token()));
    assertThat(log.lines()).contains("listening on 127.0.0.1:" + relay.address().getPort());
  }

  @Test
  void refusalsAreLoggedWithTheUserAndWithoutTheToken() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request(
              "CONNECT 10.0.0.1:22 HTTP/1.1\r\nProxy-Authorization: "
                  + RelayClient.basic(alice)
                  + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(403);
    }
    String line =
        log.await(
            m -> m.startsWith("user=alice dest=10.0.0.1:22 result=refused"), Duration.ofSeconds(5));
    assertThat(line).isNotNull().contains("not a public address").doesNotContain(alice.token());
  }

  @Test
  void withoutLogDestinationsTheLineKeepsNoDestination(@TempDir Path dir) throws Exception {
    try (Relay quiet = TestRelays.reachingLoopback(dir).start()) {
      AccessKey carol = quiet.addUser("carol");
      try (RelayClient c = RelayClient.connect(quiet.address())) {
        c.request(RelayClient.connectRequest(http.port(), carol));
        c.write("GET /unlogged HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertThat(c.readResponse().status()).isEqualTo(200);
      }
      try (RelayClient c = RelayClient.connect(quiet.address())) {
        RelayClient.Response r =
            c.request(
                "CONNECT 10.0.0.1:22 HTTP/1.1\r\nProxy-Authorization: "
                    + RelayClient.basic(carol)
                    + "\r\n\r\n");
        assertThat(r.status()).isEqualTo(403);
      }
      String ok =
          log.await(
              m -> m.startsWith("user=carol result=ok") && !m.contains("up=0 "),
              Duration.ofSeconds(5));
      assertThat(ok)
          .as("user, bytes and duration stay")
          .isNotNull()
          .matches("user=carol result=ok up=\\d+ down=\\d+ duration=\\d+ms");
      String refused =
          log.await(m -> m.startsWith("user=carol result=refused"), Duration.ofSeconds(5));
      assertThat(refused)
          .as("the refusal's detail names the destination, so it goes too")
          .isNotNull()
          .matches("user=carol result=refused up=\\d+ down=\\d+ duration=\\d+ms");
      assertThat(log.lines())
          .filteredOn(m -> m.contains("carol"))
          .allSatisfy(
              m ->
                  assertThat(m)
                      .doesNotContain("dest=")
                      .doesNotContain("127.0.0.1:" + http.port())
                      .doesNotContain("10.0.0.1"));
    }
  }
}
