package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Limits;
import io.sidestep.server.Relay;
import io.sidestep.server.Users;
import io.sidestep.server.fleet.FleetKey;
import io.sidestep.server.fleet.SignedToken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An access key that names two relays of a fleet, in the real client: users spread over the relays
 * by their token, and a user whose first relay is down is carried by the other.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetKeyTest {

  @TempDir Path dir;
  final FleetKey fleet = FleetKey.generate();
  TestOrigin origin;
  Relay one;
  Relay two;

  @BeforeEach
  void start() {
    origin = TestOrigin.http();
    one = relay(dir.resolve("one"));
    two = relay(dir.resolve("two"));
  }

  Relay relay(Path state) {
    return Relay.builder()
        .listen(new InetSocketAddress("127.0.0.1", 0))
        .stateDir(state)
        .allowDestination(Cidr.parse("127.0.0.0/8"))
        .trustKey(fleet.trustKey())
        .ioThreads(1)
        .start();
  }

  @AfterEach
  void stop() {
    one.close();
    two.close();
    origin.close();
  }

  /** A signed key naming both relays, as `fleet issue NAME --relay ONE,TWO --pin P1,P2` prints. */
  String keyFor(String name) {
    return AccessKey.toUri(
        name,
        SignedToken.issue(name, Limits.NONE).sign(fleet),
        List.of(
            Destination.of("127.0.0.1", one.address().getPort()),
            Destination.of("127.0.0.1", two.address().getPort())),
        List.of(one.pin(), two.pin()),
        name);
  }

  /** A user whose key starts at {@code first}: keys are issued until one does. */
  String keyStartingAt(String name, Relay first) {
    for (int i = 0; i < 64; i++) {
      String key = keyFor(name);
      if (AccessKey.parseAll(key).get(0).relay().port() == first.address().getPort()) {
        return key;
      }
    }
    throw new AssertionError("no token of 64 started at " + first.address());
  }

  private static Client clientWith(String key) {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .relays(AccessKey.parseAll(key)) // what --relay, --relay-file and SIDESTEP_RELAY read
        .threads(1)
        .relayConnectTimeout(Duration.ofSeconds(5))
        .router(d -> new Decision(Action.RELAY, "test: everything relayed"))
        .start();
  }

  /** SOCKS5 CONNECT to the origin through the client and a page fetched; the reply code. */
  private int fetch(Client client) throws IOException {
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      int code = s.connectAddress(InetAddress.getByName("127.0.0.1"), origin.port());
      if (code == 0) {
        s.out.write("GET /x HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n".getBytes());
        s.out.flush();
        assertThat(new String(s.in.readAllBytes(), StandardCharsets.UTF_8))
            .contains(TestOrigin.BODY);
      }
      return code;
    }
  }

  /** The bytes {@code relay} counted for {@code user}, once it has counted some (or after 10 s). */
  static long usage(Relay relay, String user) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    long total = 0;
    while (total == 0 && System.nanoTime() < deadline) {
      relay.saveUsage();
      total = Users.in(relay.stateDir()).usage(user).total();
      if (total == 0) {
        Thread.sleep(20);
      }
    }
    return total;
  }

  @Test
  void twoUsersLandOnTheRelaysTheirTokensPick() throws Exception {
    String ann = keyStartingAt("ann", one);
    String ben = keyStartingAt("ben", two);
    try (Client a = clientWith(ann);
        Client b = clientWith(ben)) {
      assertThat(fetch(a)).isZero();
      assertThat(fetch(b)).isZero();
    }
    assertThat(usage(one, "ann")).as("ann's token picks relay one").isPositive();
    assertThat(usage(two, "ben")).as("ben's token picks relay two").isPositive();
    one.saveUsage();
    two.saveUsage();
    assertThat(Users.in(two.stateDir()).usage("ann").total()).isZero();
    assertThat(Users.in(one.stateDir()).usage("ben").total()).isZero();
  }

  @Test
  void aUserWhoseFirstRelayIsDownIsCarriedByTheNext() throws Exception {
    String ann = keyStartingAt("ann", one);
    one.close();
    try (Client a = clientWith(ann)) {
      assertThat(fetch(a)).as("carried by relay two").isZero();
      assertThat(fetch(a)).isZero();
    }
    assertThat(usage(two, "ann")).isPositive();
  }
}
