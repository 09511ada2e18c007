package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client, a real relay and real origins on loopback, both doors, routed direct or through
 * the relay as the rules say. The client binds direct connections to 127.0.0.2 and the relay uses
 * the default source address, 127.0.0.1, so the origin's recorded peer address shows the path.
 * Relayed names never reach the client's resolver: only the relay's resolver sees them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayEndToEndTest {

  static final InetAddress DIRECT_SOURCE = address("127.0.0.2");
  static final InetAddress RELAY_SOURCE = address("127.0.0.1");

  @TempDir static Path relayState;

  static TestOrigin https;
  static TestOrigin http;
  static Relay relay;
  static AccessKey key;
  static final List<String> relayLookups = new CopyOnWriteArrayList<>();
  static FakeResolver resolver;
  static final Map<String, Action> routes = new ConcurrentHashMap<>();
  static Client client;

  @BeforeAll
  static void start() {
    https = TestOrigin.https();
    http = TestOrigin.http();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .allowDestination(Cidr.parse("::1/128"))
            .resolver(
                host -> {
                  relayLookups.add(host);
                  return host.equals("localhost")
                      ? CompletableFuture.completedFuture(List.of(address("127.0.0.1")))
                      : CompletableFuture.failedFuture(new UnknownHostException(host));
                })
            .ioThreads(2)
            .start();
    key = relay.addUser("alice");
    resolver = new FakeResolver().answer("localhost", "127.0.0.1");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            .resolver(resolver)
            .directLocalAddress(DIRECT_SOURCE)
            .threads(2)
            .router(
                d -> {
                  Action a = routes.getOrDefault(d.host(), Action.DIRECT);
                  return new Decision(a, "test: " + d.host() + " " + a);
                })
            .start();
  }

  @AfterAll
  static void stop() {
    client.close();
    relay.close();
    https.close();
    http.close();
  }

  @BeforeEach
  void clearRoutes() {
    routes.clear();
    resolver.forget();
  }

  static InetAddress address(String literal) {
    return io.sidestep.core.net.IpLiterals.parse(literal);
  }

  private static HttpResponse<String> viaHttpDoor(String url) throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(client.httpAddress()))
            .sslContext(https.clientContext())
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    return c.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String viaSocks(Destination d, String hostHeader) throws IOException {
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      int code =
          d.isIpLiteral()
              ? s.connectAddress(InetAddress.getByName(d.host()), d.port())
              : s.connectName(d.host(), d.port());
      assertThat(code).as("SOCKS5 reply for %s", d).isZero();
      s.out.write(
          ("GET /socks HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      s.out.flush();
      return new String(s.in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void httpsThroughConnectRelayed() throws Exception {
    routes.put("localhost", Action.RELAY);
    HttpResponse<String> r = viaHttpDoor("https://localhost:" + https.port() + "/relayed");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertThat(https.lastRequest().peer().getAddress())
        .as("peer: the relay")
        .isEqualTo(RELAY_SOURCE);
    assertThat(resolver.asked())
        .as("a relayed name never reaches the local resolver")
        .doesNotContain("localhost");
    assertThat(relayLookups).contains("localhost");
  }

  @Test
  void httpsThroughConnectDirect() throws Exception {
    HttpResponse<String> r = viaHttpDoor("https://localhost:" + https.port() + "/direct");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(https.lastRequest().peer().getAddress())
        .as("peer: the client, direct")
        .isEqualTo(DIRECT_SOURCE);
  }

  @Test
  void plainHttpRelayedAndDirect() throws Exception {
    routes.put("localhost", Action.RELAY);
    HttpResponse<String> relayed =
        viaHttpDoor("http://localhost:" + http.port() + "/plain-relayed");
    assertThat(relayed.statusCode()).isEqualTo(200);
    assertThat(http.lastRequest().path()).isEqualTo("/plain-relayed");
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(RELAY_SOURCE);
    assertThat(resolver.asked()).doesNotContain("localhost");

    routes.clear();
    HttpResponse<String> direct = viaHttpDoor("http://127.0.0.1:" + http.port() + "/plain-direct");
    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(DIRECT_SOURCE);
  }

  @Test
  void socksByNameRelayedNeverResolvesLocally() throws Exception {
    routes.put("localhost", Action.RELAY);
    String response = viaSocks(Destination.of("localhost", http.port()), "localhost");
    assertThat(response).startsWith("HTTP/1.1 200").contains(TestOrigin.BODY);
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(RELAY_SOURCE);
    assertThat(resolver.asked()).doesNotContain("localhost");
  }

  @Test
  void socksByNameDirect() throws Exception {
    String response = viaSocks(Destination.of("localhost", http.port()), "localhost");
    assertThat(response).startsWith("HTTP/1.1 200");
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(DIRECT_SOURCE);
  }

  @Test
  void socksByIpv4RelayedAndDirect() throws Exception {
    routes.put("127.0.0.1", Action.RELAY);
    viaSocks(Destination.of("127.0.0.1", http.port()), "127.0.0.1");
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(RELAY_SOURCE);
    routes.clear();
    viaSocks(Destination.of("127.0.0.1", http.port()), "127.0.0.1");
    assertThat(http.lastRequest().peer().getAddress()).isEqualTo(DIRECT_SOURCE);
  }

  @Test
  void socksByIpv6Relayed() throws Exception {
    try (EchoServer v6 = new EchoServer("::1");
        LogCapture log = LogCapture.of("io.sidestep.client.connection")) {
      routes.put("::1", Action.RELAY);
      try (Socks5 s = new Socks5(client.socksAddress())) {
        assertThat(s.greet()).isZero();
        assertThat(s.connectAddress(InetAddress.getByName("::1"), v6.port())).isZero();
        assertThat(s.echo("over v6 through the relay")).isEqualTo("over v6 through the relay");
      }
      assertThat(log.await(l -> l.contains("dest=[::1]:" + v6.port()), Duration.ofSeconds(10)))
          .contains("route=relay")
          .contains("via=\"relay 'alice'\"");
    }
  }

  @Test
  void rejectRefusesAtBothDoors() throws Exception {
    routes.put("localhost", Action.REJECT);
    assertThat(viaHttpDoor("http://localhost:" + http.port() + "/").statusCode()).isEqualTo(403);
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("localhost", http.port())).isEqualTo(2);
    }
  }

  @Test
  void relayPolicyRefusalIsNotAllowed() throws Exception {
    routes.put("localhost", Action.RELAY);
    routes.put("10.255.255.1", Action.RELAY);
    // One tunnel first: the relay has taken the key, so the door answers before the relay (the
    // fast open, FastOpenTest), and the relay's 403 then closes the connection.
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("localhost", http.port())).isZero();
    }
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("10.255.255.1"), 443)).isZero();
      assertThat(s.closedByPeer()).as("closed after the relay's 403").isTrue();
    }
  }
}
