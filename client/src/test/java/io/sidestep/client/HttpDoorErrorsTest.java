package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.Session;
import io.sidestep.core.netty.DialException;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
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
  void aFailedConnectIsExplainedInTheBrowsersLanguage() throws IOException {
    String target = "127.0.0.1:" + closedPort;
    assertThat(failedConnect("ru-RU,ru;q=0.9,en;q=0.5"))
        .startsWith("Sidestep не смог соединиться с " + target + ": ")
        .contains("адресат отказал в соединении");
    assertThat(failedConnect("kk"))
        .startsWith("Sidestep " + target + " мекенжайына қосыла алмады: ")
        .contains("мекенжай қосылудан бас тартты");
    assertThat(failedConnect("de-DE, fr;q=0.5"))
        .startsWith("Sidestep could not reach " + target + ": ")
        .contains("the destination refused the connection");
  }

  /** The page for a CONNECT to the closed port that asks for {@code languages}. */
  private static String failedConnect(String languages) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + closedPort;
      s.getOutputStream()
          .write(
              ("CONNECT "
                      + target
                      + " HTTP/1.1\r\nHost: "
                      + target
                      + "\r\nAccept-Language: "
                      + languages
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String head = HttpDoorTest.readHead(in);
      assertThat(head).startsWith("HTTP/1.1 502").contains("nosniff");
      assertThat(head.toLowerCase(Locale.ROOT)).contains("text/plain; charset=utf-8");
      return new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
    }
  }

  @Test
  void anOriginsOwn502PassesUnchanged() throws Exception {
    HttpResponse<String> r =
        get(http, "http://127.0.0.1:" + origin.getAddress().getPort() + "/upstream");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body()).isEqualTo("the origin's own bad gateway");
  }

  @Test
  void failuresToOneDestinationAtOnceEachGetTheirOwnPage() throws Exception {
    // Connections to one destination are held until all have arrived, then failed one after the
    // other in one task, each with its own reason: the later failures come while the earlier
    // pages are being made.
    List<DialException> reasons =
        List.of(
            new DialException(DialException.Kind.TIMEOUT, "first: timed out"),
            new DialException(DialException.Kind.CONNECTION_REFUSED, "second: refused"),
            new DialException(DialException.Kind.UNREACHABLE, "third: unreachable"),
            new DialException(DialException.Kind.NAME_NOT_RESOLVED, "fourth: no such name"));
    List<Session> held = new CopyOnWriteArrayList<>();
    AutoRoute holdAll =
        session -> {
          held.add(session);
          if (held.size() == reasons.size()) {
            for (int i = 0; i < reasons.size(); i++) {
              held.get(i).fail("direct", reasons.get(i));
            }
          }
        };
    List<Socket> sockets = new ArrayList<>();
    try (Client one =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .threads(1) // one event loop: all sessions are failed in one task
            .autoRoute(holdAll)
            .start()) {
      for (int i = 0; i < reasons.size(); i++) {
        Socket s = new Socket();
        sockets.add(s);
        s.connect(one.httpAddress(), 5000);
        s.setSoTimeout(10_000);
        s.getOutputStream()
            .write(
                "CONNECT same.test:443 HTTP/1.1\r\nHost: same.test:443\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
      }
      List<String> shown = new ArrayList<>();
      for (Socket s : sockets) {
        String page = readPage(s.getInputStream());
        List<String> named =
            reasons.stream()
                .map(DialException::getMessage)
                .filter(m -> page.contains("(" + m + ")"))
                .toList();
        assertThat(named).as("the reasons on one page: %s", page).hasSize(1);
        shown.addAll(named);
        if (named.get(0).startsWith("first")) {
          assertThat(page).as("a timeout").startsWith("HTTP/1.1 504");
        }
      }
      assertThat(shown)
          .as("every connection its own reason")
          .containsExactlyInAnyOrderElementsOf(
              reasons.stream().map(DialException::getMessage).toList());
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  @Test
  void aPathJavaNetUriRefusesIsNeverEchoedBack() throws IOException {
    String probe = "/{x}?q=<svg/onload=alert(1)>";
    String page =
        rawRequest("GET http://127.0.0.1:" + closedPort + probe + " HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(page).startsWith("HTTP/1.1 502");
    assertThat(headers(page)).contains("content-type: text/plain; charset=utf-8");
    assertThat(headers(page)).contains("x-content-type-options: nosniff");
    assertThat(page)
        .contains("Sidestep could not reach 127.0.0.1:" + closedPort + ": ")
        .contains("the destination refused the connection")
        .doesNotContain("<svg")
        .doesNotContain("{x}")
        .doesNotContain("q=");
  }

  @Test
  void aRequestLittleProxyRefusesGetsTheDoorsPageNotLittleProxys() throws IOException {
    // Neither origin-form nor absolute-form: LittleProxy's own 400 echoes the URI as HTML.
    String page = rawRequest("GET <svg/onload=alert(1)> HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(page).startsWith("HTTP/1.1 400");
    assertThat(headers(page)).contains("content-type: text/plain; charset=utf-8");
    assertThat(page)
        .contains("Sidestep could not serve this request for the destination: ")
        .doesNotContain("<svg")
        .doesNotContainIgnoringCase("html");
  }

  /** One request on a fresh connection; the whole answer (head and body). */
  private static String rawRequest(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
      return readPage(s.getInputStream());
    }
  }

  private static String readPage(InputStream in) throws IOException {
    String head = HttpDoorTest.readHead(in);
    return head + new String(in.readNBytes(contentLength(head)), StandardCharsets.UTF_8);
  }

  private static List<String> headers(String page) {
    return List.of(
        page.substring(0, page.indexOf("\r\n\r\n")).toLowerCase(Locale.ROOT).split("\r\n"));
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
