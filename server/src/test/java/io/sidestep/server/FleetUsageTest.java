package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.server.fleet.FleetKey;
import io.sidestep.server.fleet.SignedToken;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Relays that share usage in a real Redis: one user's quota holds across the fleet, and a relay
 * whose Redis is away keeps counting alone and sends its counts once Redis is back.
 */
@Timeout(90)
class FleetUsageTest {

  static AccountsTest.Echo echo;
  @TempDir Path dir;
  final FleetKey fleet = FleetKey.generate();

  @BeforeAll
  static void startEcho() throws Exception {
    echo = new AccountsTest.Echo();
  }

  @AfterAll
  static void stopEcho() throws Exception {
    echo.close();
  }

  Relay relay(String name, URI store) {
    // The default poll interval (1 s), as deployed.
    return TestRelays.reachingLoopback(dir.resolve(name))
        .trustKey(fleet.trustKey())
        .usageStore(store)
        .start();
  }

  AccessKey key(String name, Limits limits, Relay relay) {
    return new AccessKey(
        name,
        SignedToken.issue(name, limits).sign(fleet),
        Destination.of("127.0.0.1", relay.address().getPort()),
        java.util.Optional.of(relay.pin()),
        name);
  }

  static RelayClient tunnel(Relay relay, AccessKey key) throws Exception {
    RelayClient c = RelayClient.connect(relay.address());
    RelayClient.Response r = c.request(RelayClient.connectRequest(echo.port(), key));
    assertThat(r.status()).as("tunnel through %s", relay.address()).isEqualTo(200);
    return c;
  }

  static RelayClient.Response connect(Relay relay, AccessKey key) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(RelayClient.connectRequest(echo.port(), key));
    }
  }

  /** The relay's answer to a CONNECT, once it is a refusal, or the last one after {@code max}. */
  static RelayClient.Response refusedWithin(Relay relay, AccessKey key, Duration max)
      throws Exception {
    long deadline = System.nanoTime() + max.toNanos();
    RelayClient.Response r = connect(relay, key);
    while (r.status() == 200 && System.nanoTime() < deadline) {
      Thread.sleep(50);
      r = connect(relay, key);
    }
    return r;
  }

  @Test
  void oneUsersQuotaHoldsAcrossTwoRelaysThatShareRedis() throws Exception {
    try (RedisServer redis = RedisServer.start(dir);
        Relay one = relay("one", redis.uri());
        Relay two = relay("two", redis.uri())) {
      Limits limit = Limits.NONE.withLifetime(100_000);
      AccessKey onOne = key("alice", limit, one);
      AccessKey onTwo =
          new AccessKey(
              "alice",
              onOne.token(),
              Destination.of("127.0.0.1", two.address().getPort()),
              java.util.Optional.of(two.pin()),
              "alice");
      try (RelayClient open = tunnel(one, onOne)) {
        AccountsTest.echoes(open, 30_000); // 60 kB on relay one: under the limit
        try (RelayClient c = tunnel(two, onTwo)) {
          AccountsTest.echoes(c, 30_000); // 60 kB on relay two: under it too, over it together
        }
        open.socket().setSoTimeout(10_000);
        assertThat(open.closedByRelay())
            .as("relay one closes the tunnel once the fleet's count is over the limit")
            .isTrue();
      }
      for (Relay r : List.of(one, two)) {
        RelayClient.Response refused =
            refusedWithin(r, r == one ? onOne : onTwo, Duration.ofSeconds(5));
        assertThat(refused.status()).isEqualTo(403);
        assertThat(refused.header("Sidestep-Refused"))
            .startsWith("over the lifetime data limit of 100kB (used 1");
        r.saveUsage();
        assertThat(Users.in(r.stateDir()).usage("alice").total())
            .as("each relay alone counted less than the limit")
            .isLessThan(100_000);
      }
      try (Jedis j = new Jedis(redis.uri())) {
        Map<String, String> hash = j.hgetAll("sidestep:usage:alice");
        assertThat(Long.parseLong(hash.get("total"))).isBetween(120_000L, 125_000L);
      }
      AccessKey bob = key("bob", limit, one);
      try (RelayClient c = tunnel(one, bob)) {
        AccountsTest.echoes(c, 1_000);
      }
      assertThat(connect(two, bob).status())
          .as("another user's quota is their own")
          .isNotEqualTo(403);
    }
  }

  @Test
  void withRedisAwayARelayCountsAloneAndSendsItsCountsWhenRedisIsBack() throws Exception {
    int port = RedisServer.freePort();
    RedisServer.binary(); // skipped below, at start, when missing
    URI store = URI.create("redis://127.0.0.1:" + port);
    try (LogCapture log = LogCapture.of("io.sidestep.server.Usage");
        Relay one = relay("one", store)) {
      String down = log.await(l -> l.contains("unreachable"), Duration.ofSeconds(10));
      assertThat(down)
          .contains("usage store redis://127.0.0.1:" + port)
          .contains("counting on this relay alone");
      AccessKey key = key("carol", Limits.NONE.withLifetime(10_000), one);
      try (RelayClient c = tunnel(one, key)) {
        AccountsTest.echoes(c, 4_000);
      }
      try (RelayClient c = tunnel(one, key)) {
        c.write(new byte[3_000]);
        assertThat(RelayClient.readsToEnd(c.socket())).as("the local count is enforced").isTrue();
      }
      assertThat(connect(one, key).header("Sidestep-Refused"))
          .startsWith("over the lifetime data limit of 10kB");
      try (RedisServer redis = RedisServer.start(port, dir)) {
        assertThat(log.await(l -> l.contains("reachable again"), Duration.ofSeconds(10)))
            .isNotNull();
        try (Jedis j = new Jedis(redis.uri())) {
          long total = 0;
          long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
          while (total < 10_000 && System.nanoTime() < deadline) {
            String t = j.hget("sidestep:usage:carol", "total");
            total = t == null ? 0 : Long.parseLong(t);
          }
          assertThat(total)
              .as("what was counted meanwhile reaches Redis")
              .isGreaterThanOrEqualTo(10_000);
        }
      }
    }
  }
}
