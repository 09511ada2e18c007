package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each user's limits, enforced by a real relay: a data limit, an expiry date, a maximum of
 * connections and a rate; refusals say why in a 403; usage survives a restart; removing a user or
 * rotating its token closes its open tunnels.
 */
@Timeout(60)
class AccountsTest {

  static Echo echo;
  @TempDir Path state;
  Relay relay;

  /** An origin that echoes every byte back, one thread per connection. */
  static final class Echo implements AutoCloseable {
    final ServerSocket server;

    Echo() throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket s = server.accept();
                    Thread c =
                        new Thread(
                            () -> {
                              try (s) {
                                s.getInputStream().transferTo(s.getOutputStream());
                              } catch (IOException e) {
                                // the test closed it
                              }
                            });
                    c.setDaemon(true);
                    c.start();
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  @BeforeAll
  static void startEcho() throws IOException {
    echo = new Echo();
  }

  @AfterAll
  static void stopEcho() throws IOException {
    echo.close();
  }

  @BeforeEach
  void start() {
    relay = startRelay();
  }

  @AfterEach
  void stop() {
    relay.close();
  }

  Relay startRelay() {
    return TestRelays.reachingLoopback(state).usersPollInterval(Duration.ofMillis(50)).start();
  }

  /** A tunnel to the echo origin, open. */
  RelayClient tunnel(AccessKey key) throws Exception {
    RelayClient c = RelayClient.connect(relay.address());
    RelayClient.Response r = c.request(RelayClient.connectRequest(echo.port(), key));
    assertThat(r.status()).as("tunnel for %s", key.user()).isEqualTo(200);
    return c;
  }

  RelayClient.Response connect(AccessKey key) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(RelayClient.connectRequest(echo.port(), key));
    }
  }

  static void echoes(RelayClient c, int n) throws IOException {
    byte[] data = new byte[n];
    OutputStream out = c.out;
    InputStream in = c.in;
    out.write(data);
    out.flush();
    assertThat(in.readNBytes(n)).hasSize(n);
  }

  @Test
  void overTheDataLimitTheOpenTunnelClosesAndTheUserIsRefusedWithTheReasonAlsoAfterARestart()
      throws Exception {
    AccessKey key = relay.addUser("alice", Limits.NONE.withWindow(100_000, 30));
    try (RelayClient c = tunnel(key)) {
      echoes(c, 40_000); // 80 kB both ways together: under 100 kB
      c.write(new byte[20_000]); // over it, somewhere in the echo
      assertThat(RelayClient.readsToEnd(c.socket()))
          .as("the relay closes the tunnel of a user over the limit")
          .isTrue();
    }
    RelayClient.Response refused = connect(key);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.header("Sidestep-Refused"))
        .startsWith("over the data limit of 100kB per 30 days (used 1");

    relay.close();
    relay = startRelay();
    assertThat(connect(key).header("Sidestep-Refused"))
        .as("usage survives a restart")
        .startsWith("over the data limit of 100kB per 30 days");
    assertThat(Users.in(state).usage("alice").total()).isBetween(100_000L, 120_000L);
    assertThat(Users.in(state).usage("alice").lastSeen()).isPresent();

    relay.setLimits("alice", l -> l.withWindow(1_000_000, 30));
    assertThat(connect(key).status()).as("a raised limit lets the user in").isEqualTo(200);
  }

  @Test
  void lifetimeLimitRefusesOnceReached() throws Exception {
    AccessKey key = relay.addUser("carol", Limits.NONE.withLifetime(10_000));
    try (RelayClient c = tunnel(key)) {
      echoes(c, 4_000);
      c.write(new byte[2_000]);
      assertThat(RelayClient.readsToEnd(c.socket())).isTrue();
    }
    assertThat(connect(key).header("Sidestep-Refused"))
        .startsWith("over the lifetime data limit of 10kB");
  }

  @Test
  void anExpiredKeyIsRefusedAndOneExpiringTodayStillWorks() throws Exception {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    AccessKey old = relay.addUser("old", Limits.NONE.withExpires(today.minusDays(1)));
    AccessKey current = relay.addUser("current", Limits.NONE.withExpires(today));
    RelayClient.Response r = connect(old);
    assertThat(r.status()).isEqualTo(403);
    assertThat(r.header("Sidestep-Refused"))
        .isEqualTo("access key expired on " + today.minusDays(1));
    assertThat(new String(r.body(), java.nio.charset.StandardCharsets.UTF_8))
        .contains("access key expired");
    assertThat(connect(current).status()).isEqualTo(200);
  }

  @Test
  void aUserHasAtMostMaxConnsConnectionsOpen() throws Exception {
    AccessKey key = relay.addUser("dave", Limits.NONE.withMaxConns(2));
    try (RelayClient a = tunnel(key);
        RelayClient b = tunnel(key)) {
      RelayClient.Response third = connect(key);
      assertThat(third.status()).isEqualTo(403);
      assertThat(third.header("Sidestep-Refused"))
          .isEqualTo("too many connections: at most 2 at once");
      echoes(a, 10);
    }
    int status = 0;
    for (int i = 0; i < 100 && status != 200; i++) {
      status = connect(key).status(); // the relay notices the closes asynchronously
      if (status != 200) {
        Thread.sleep(50);
      }
    }
    assertThat(status).as("closed connections free their places").isEqualTo(200);
  }

  @Test
  void removingAUserClosesItsOpenTunnels() throws Exception {
    AccessKey key = relay.addUser("erin");
    try (RelayClient c = tunnel(key)) {
      echoes(c, 100);
      relay.removeUser("erin");
      assertThat(RelayClient.readsToEnd(c.socket())).isTrue();
    }
  }

  @Test
  void rotatingATokenClosesTunnelsAndOnlyTheNewKeyWorks() throws Exception {
    AccessKey key = relay.addUser("frank");
    try (RelayClient c = tunnel(key)) {
      AccessKey fresh = relay.rotateUser("frank");
      assertThat(fresh.token()).isNotEqualTo(key.token());
      assertThat(RelayClient.readsToEnd(c.socket())).isTrue();
      assertThat(connect(key).status()).as("the old key gets the web site").isNotEqualTo(200);
      try (RelayClient d = tunnel(fresh)) {
        echoes(d, 100);
      }
    }
  }

  @Test
  void aRateLimitSlowsTheUserDown() throws Exception {
    // 800 kbit/s is 100 kB/s for both directions together: 200 kB up and 200 kB down take about
    // four seconds.
    AccessKey key = relay.addUser("gina", Limits.NONE.withRate(800_000));
    try (RelayClient c = tunnel(key)) {
      long start = System.nanoTime();
      echoes(c, 200_000);
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms).as("at most 100 kB/s, with a 0.1 s burst").isGreaterThan(1_500);
    }
  }
}
