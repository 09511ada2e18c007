package io.sidestep.client;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the relay transport does when a relay cannot be used: a certificate other than the pinned
 * one, a relay that is down (failover to the next key, and remembering it), and credentials the
 * relay does not accept (it answers like a web site, never 407).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayFailuresTest {

  @TempDir static Path relayState;
  static TestOrigin origin;
  static Relay relay;
  static AccessKey key;

  @BeforeAll
  static void start() {
    origin = TestOrigin.http();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .ioThreads(1)
            .start();
    key = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    relay.close();
    origin.close();
  }

  private static Client clientWith(List<AccessKey> keys) {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .relays(keys)
        .threads(1)
        .relayConnectTimeout(Duration.ofSeconds(5))
        .router(d -> new Decision(Action.RELAY, "test: everything relayed"))
        .start();
  }

  /** SOCKS5 CONNECT to the origin through the client; returns the reply code. */
  private static int connectThrough(Client client) throws IOException {
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

  @Test
  void relayWithAnotherCertificateThanThePinnedOneIsRefused() throws Exception {
    String otherPin = CertificateBuilder.subject("CN=someone else").selfSigned().pin();
    AccessKey wrongPin =
        new AccessKey(key.user(), key.token(), key.relay(), Optional.of(otherPin), "pinned");
    try (LogCapture log = LogCapture.of("io.sidestep.client.relay.RelayTransport");
        Client client = clientWith(List.of(wrongPin))) {
      int before = origin.requests().size();
      assertThat(connectThrough(client)).as("0x01: no usable relay").isEqualTo(1);
      assertThat(origin.requests()).hasSize(before);
      String line = log.await(l -> l.contains("refusing relay"), Duration.ofSeconds(5));
      assertThat(line).contains(otherPin).contains(relay.pin()).doesNotContain(key.token());
    }
  }

  @Test
  void unpinnedRelayWithSelfSignedCertificateFailsTheTrustStore() throws Exception {
    AccessKey unpinned =
        new AccessKey(key.user(), key.token(), key.relay(), Optional.empty(), "unpinned");
    try (Client client = clientWith(List.of(unpinned))) {
      assertThat(connectThrough(client)).isEqualTo(1);
    }
  }

  @Test
  void failsOverToTheNextKeyAndRemembersTheDeadRelay() throws Exception {
    AtomicInteger accepted = new AtomicInteger();
    try (ServerSocket dead = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      Thread t =
          new Thread(
              () -> {
                while (!dead.isClosed()) {
                  try (Socket s = dead.accept()) {
                    accepted.incrementAndGet(); // and close at once: a relay that is down
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
      AccessKey deadKey =
          new AccessKey(
              "alice",
              "irrelevant",
              io.sidestep.core.route.Destination.of("127.0.0.1", dead.getLocalPort()),
              key.pin(),
              "dead");
      try (Client client = clientWith(List.of(deadKey, key))) {
        assertThat(connectThrough(client)).as("second key used").isZero();
        assertThat(accepted.get()).isEqualTo(1);
        assertThat(connectThrough(client)).isZero();
        assertThat(connectThrough(client)).isZero();
        assertThat(accepted.get()).as("the dead relay is skipped while remembered").isEqualTo(1);
      }
    }
  }

  @Test
  void wrongTokenIsReportedAsRefusedCredentialsNever407() throws Exception {
    AccessKey wrong = new AccessKey(key.user(), "not-the-token", key.relay(), key.pin(), "wrong");
    try (LogCapture log = LogCapture.of("io.sidestep.client.relay.RelayTransport");
        LogCapture connections = LogCapture.of("io.sidestep.client.connection");
        Client client = clientWith(List.of(wrong))) {
      assertThat(connectThrough(client)).isEqualTo(1);
      String line =
          log.await(l -> l.contains("did not accept the access key"), Duration.ofSeconds(5));
      // The relay's port is random and may contain "407": a status is a number of its own.
      assertThat(line)
          .isNotNull()
          .doesNotContainPattern("(?<![0-9:])407(?![0-9])")
          .doesNotContain("not-the-token");
      assertThat(connections.await(l -> l.contains("route=relay"), Duration.ofSeconds(5)))
          .contains("failed")
          .doesNotContain("not-the-token");
    }
  }

  @Test
  void removedUserIsRefusedAndTheClientCarriesOn() throws Exception {
    AccessKey bob = relay.addUser("bob");
    try (Client client = clientWith(List.of(bob))) {
      assertThat(connectThrough(client)).isZero();
      relay.removeUser("bob");
      assertThat(connectThrough(client)).isEqualTo(1);
    }
  }

  @Test
  void aUserTheRelayRefusesIsToldWhy() throws Exception {
    java.time.LocalDate yesterday = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(1);
    AccessKey expired =
        relay.addUser("expired", io.sidestep.server.Limits.NONE.withExpires(yesterday));
    try (LogCapture log = LogCapture.of("io.sidestep.client.relay.RelayTransport");
        Client client = clientWith(List.of(expired))) {
      assertThat(connectThrough(client)).isEqualTo(1);
      String line = log.await(l -> l.contains("refused user"), Duration.ofSeconds(5));
      assertThat(line)
          .contains("refused user 'expired': access key expired on " + yesterday)
          .doesNotContain(expired.token());
    }
  }

  @Test
  void onlyTheRelaysOwnFailuresMarkItDown() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      RelayTransport relays =
          new RelayTransport(
              List.of(key), Duration.ofSeconds(5), Duration.ofSeconds(30), new FakeResolver());
      // A name no DNS query can carry (a label longer than 63) fails here, before any relay.
      Lookup bad = relays.lookup(group.next(), "a".repeat(64) + ".example").get(10, SECONDS);
      assertThat(bad).isInstanceOf(Lookup.Failed.class);
      assertThat(relays.isDown(key))
          .as("a name no query can carry is not the relay's fault")
          .isFalse();
      Future<Channel> good =
          relays.connect(group.next(), Destination.of("127.0.0.1", origin.port())).await();
      assertThat(good.isSuccess()).as("the same relay, at once").isTrue();
      good.getNow().close();
      Future<Channel> unreachable =
          relays.connect(group.next(), Destination.of("127.0.0.1", closedPort())).await();
      assertThat(((DialException) unreachable.cause()).kind())
          .isEqualTo(DialException.Kind.RELAY_UNREACHABLE_DESTINATION);
      assertThat(relays.isDown(key))
          .as("a destination the relay cannot reach is not the relay's fault")
          .isFalse();
      Future<Channel> again =
          relays.connect(group.next(), Destination.of("127.0.0.1", origin.port())).await();
      assertThat(again.isSuccess()).isTrue();
      again.getNow().close();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** A port on 127.0.0.1 nothing listens on: the relay's connect to it is refused. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }
}
