package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.internal.DestinationPolicy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay refuses non-public destinations, judged after resolution, with 403 to its users; {@code
 * --allow-destination} makes exceptions.
 */
@Timeout(60)
class DestinationPolicyTest {

  @TempDir static Path state;
  static Relay strict;
  static AccessKey alice;
  static TestOrigin http;

  /** Names for the fake resolver; "localhost" goes to the system resolver (/etc/hosts). */
  static final Map<String, String> NAMES =
      Map.of("private.test", "10.1.2.3", "mapped.test", "::ffff:127.0.0.1", "v6.test", "fe80::1");

  static CompletableFuture<List<InetAddress>> resolve(String host) {
    try {
      return CompletableFuture.completedFuture(lookUp(host));
    } catch (UnknownHostException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static List<InetAddress> lookUp(String host) throws UnknownHostException {
    String a = NAMES.get(host);
    if (a != null) {
      return List.of(InetAddress.getByName(a));
    }
    if (host.equals("localhost")) {
      return List.of(InetAddress.getAllByName(host));
    }
    throw new UnknownHostException(host);
  }

  @BeforeAll
  static void start() {
    http = TestOrigin.http();
    strict = TestRelays.onLoopback(state).resolver(DestinationPolicyTest::resolve).start();
    alice = strict.addUser("alice");
  }

  @AfterAll
  static void stop() {
    strict.close();
    http.close();
  }

  static RelayClient.Response connect(Relay relay, AccessKey key, String target) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(
          "CONNECT "
              + target
              + " HTTP/1.1\r\nProxy-Authorization: "
              + RelayClient.basic(key)
              + "\r\n\r\n");
    }
  }

  @Test
  void nonPublicDestinationsAreRefusedWith403() throws Exception {
    int before = http.requests().size();
    int p = http.port();
    for (String target :
        List.of(
            "127.0.0.1:" + p,
            "localhost:" + p,
            "[::1]:" + p,
            "0.0.0.0:" + p,
            "private.test:443",
            "mapped.test:" + p,
            "v6.test:443",
            "169.254.169.254:80",
            "100.64.0.1:80",
            "[fd00::1]:443",
            "[::127.0.0.1]:" + p,
            "[::7f00:1]:" + p,
            "[2002:7f00:1::]:" + p,
            "224.0.0.1:80")) {
      RelayClient.Response r = connect(strict, alice, target);
      assertThat(r.status()).as(target).isEqualTo(403);
      assertThat(r.bodyText()).as(target).contains("not a public address");
    }
    assertThat(http.requests()).as("the origin was never reached").hasSize(before);
  }

  @Test
  void absoluteFormToANonPublicDestinationIsRefused() throws Exception {
    try (RelayClient c = RelayClient.connect(strict.address())) {
      RelayClient.Response r =
          c.request(
              "GET http://localhost:"
                  + http.port()
                  + "/ HTTP/1.1\r\nHost: localhost\r\nProxy-Authorization: "
                  + RelayClient.basic(alice)
                  + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(403);
    }
  }

  @Test
  void unknownNamesGet502() throws Exception {
    RelayClient.Response r = connect(strict, alice, "no-such-host.test:443");
    assertThat(r.status()).isEqualTo(502);
    assertThat(r.bodyText()).contains("cannot resolve no-such-host.test");
  }

  @Test
  void allowDestinationMakesAnException(@TempDir Path dir) throws Exception {
    try (Relay lenient =
        TestRelays.onLoopback(dir)
            .resolver(DestinationPolicyTest::resolve)
            .allowDestination(Cidr.parse("127.0.0.1/32"))
            .start()) {
      AccessKey bob = lenient.addUser("bob");
      assertThat(connect(lenient, bob, "127.0.0.1:" + http.port()).status()).isEqualTo(200);
      assertThat(connect(lenient, bob, "mapped.test:" + http.port()).status())
          .as("an IPv4-mapped IPv6 address is judged as the IPv4 address")
          .isEqualTo(200);
      assertThat(connect(lenient, bob, "127.0.0.2:" + http.port()).status())
          .as("only the allowed block")
          .isEqualTo(403);
      assertThat(connect(lenient, bob, "private.test:443").status()).isEqualTo(403);
    }
  }

  @Test
  void policyJudgesAddresses() throws Exception {
    DestinationPolicy p = new DestinationPolicy(List.of(Cidr.parse("10.9.0.0/16")));
    assertThat(p.permits(InetAddress.getByName("93.184.216.34"))).isTrue();
    assertThat(p.permits(InetAddress.getByName("2606:2800:220:1::1"))).isTrue();
    assertThat(p.permits(InetAddress.getByName("198.51.100.7")))
        .as("documentation ranges are the lab's public addresses")
        .isTrue();
    assertThat(p.permits(InetAddress.getByName("10.9.1.1"))).isTrue();
    assertThat(p.permits(InetAddress.getByName("10.8.1.1"))).isFalse();
    assertThat(p.permits(InetAddress.getByName("::"))).isFalse();
    assertThat(p.permits(InetAddress.getByName("ff02::1"))).isFalse();
    assertThat(p.permits(InetAddress.getByName("::127.0.0.1")))
        .as("IPv4-compatible, ::/96")
        .isFalse();
    assertThat(p.permits(InetAddress.getByName("::5db8:d822")))
        .as("IPv4-compatible, even of a public IPv4 address")
        .isFalse();
    assertThat(p.permits(InetAddress.getByName("2002:7f00:1::"))).as("6to4, 2002::/16").isFalse();
    assertThat(p.permits(InetAddress.getByName("2002:5db8:d822::1"))).isFalse();
    assertThat(p.permits(InetAddress.getByName("2003::1"))).as("just past 6to4").isTrue();
  }
}
