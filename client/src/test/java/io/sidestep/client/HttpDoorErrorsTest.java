package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.ClosedPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HTTP door tells the user why a connection failed instead of LittleProxy's bare 502: the
 * destination and the core's reason, and nothing secret.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpDoorErrorsTest {

  static final String TOKEN = "tok-do-not-show-0123456789";
  static HttpServer origin;
  static ClosedPort closed;
  static int closedPort;
  static Client client;
  static Client noRelayClient;
  static HttpClient http;
  static HttpClient noRelayHttp;

  @BeforeAll
  static void start() throws IOException {
    origin = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    origin.createContext(
        "/",
        exchange -> {
          byte[] body = "the origin's own bad gateway".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(502, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    origin.start();
    closed = ClosedPort.open();
    closedPort = closed.port();
    // A relay that is down: nothing listens at its address.
    AccessKey down =
        new AccessKey(
            "alice", TOKEN, Destination.of("127.0.0.1", closedPort), Optional.empty(), "alice");
    client = start(List.of(down));
    noRelayClient = start(List.of());
    http = httpVia(client);
    noRelayHttp = httpVia(noRelayClient);
  }

  private static Client start(List<AccessKey> relays) {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .relays(relays)
        .threads(1)
        .router(
            d ->
                d.host().startsWith("relayed")
                    ? new Decision(Action.RELAY, "test: relayed.*")
                    : new Decision(Action.DIRECT, "test: everything else"))
        .start();
  }

  private static HttpClient httpVia(Client c) {
    return HttpClient.newBuilder()
        .proxy(ProxySelector.of(c.httpAddress()))
        .connectTimeout(Duration.ofSeconds(5))
        .build();
  }

  @AfterAll
  static void stop() {
    client.close();
    noRelayClient.close();
    origin.stop(0);
    closed.close();
  }

  private static HttpResponse<String> get(HttpClient via, String url) throws Exception {
    return via.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void plainHttpToAClosedPortNamesTheDestinationAndTheRefusal() throws Exception {
    HttpResponse<String> r = get(http, "http://127.0.0.1:" + closedPort + "/page");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.headers().firstValue("content-type")).contains("text/plain; charset=utf-8");
    assertThat(r.body())
        .startsWith("Sidestep could not reach 127.0.0.1:" + closedPort + ": ")
        .contains("the destination refused the connection");
    assertThat(r.body().toLowerCase(Locale.ROOT)).contains("connection refused");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void relayRouteWithoutARelaySaysNoRelayCouldBeUsed() throws Exception {
    HttpResponse<String> r = get(noRelayHttp, "http://relayed.test/");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body())
        .startsWith("Sidestep could not reach relayed.test:80: ")
        .contains("no relay could be used");
  }

  @Test
  void relayRouteWithTheRelayDownNamesTheRelayButNotItsToken() throws Exception {
    HttpResponse<String> r = get(http, "http://relayed.test/");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body())
        .startsWith("Sidestep could not reach relayed.test:80: ")
        .contains("no relay could be used")
        .contains("alice");
    assertThat(r.body()).as("the access key's token").doesNotContain(TOKEN);
  }

  @Test
  void connectToAClosedPortGetsA502SayingWhy() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + closedPort;
      s.getOutputStream()
          .write(
              ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String head = HttpDoorTest.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 502");
      int length = contentLength(head);
      String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
      assertThat(body)
          .startsWith("Sidestep could not reach " + target + ": ")
          .contains("the destination refused the connection");
    }
  }

  @Test
  void anOriginsOwn502PassesUnchanged() throws Exception {
    HttpResponse<String> r =
        get(http, "http://127.0.0.1:" + origin.getAddress().getPort() + "/upstream");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo("the origin's own bad gateway");
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring("content-length:".length()).trim());
      }
    }
    throw new AssertionError("no Content-Length in " + head);
  }
}
