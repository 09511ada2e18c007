package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With door credentials both doors demand them; a door on a non-loopback address (here the wildcard
 * address, reached only over loopback) starts because it has them. The HTTP door asks for them with
 * 407 for proxy requests and with 401 for its own pages (the dashboard, the PAC file), which a
 * browser opens as a site.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DoorCredentialsTest {

  static final String GOOD = "alice:s3cret:with:colons";
  static EchoServer echo;
  static HttpServer origin;
  static final List<Map<String, List<String>>> originHeaders = new CopyOnWriteArrayList<>();
  static Client client;
  static InetSocketAddress http;
  static InetSocketAddress socks;

  @BeforeAll
  static void start() throws IOException {
    echo = new EchoServer("127.0.0.1");
    origin = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    origin.createContext(
        "/",
        exchange -> {
          originHeaders.add(Map.copyOf(exchange.getRequestHeaders()));
          byte[] body = "hello from the origin".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    origin.start();
    client =
        Client.builder()
            .http(new InetSocketAddress("0.0.0.0", 0))
            .socks(new InetSocketAddress("0.0.0.0", 0))
            .credentials(DoorCredentials.parse("alice:s3cret:with:colons"))
            .threads(2)
            .router(d -> new Decision(Action.DIRECT, "test"))
            .start();
    http = new InetSocketAddress("127.0.0.1", client.httpAddress().getPort());
    socks = new InetSocketAddress("127.0.0.1", client.socksAddress().getPort());
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    echo.close();
    origin.stop(0);
  }

  @Test
  void socksWithoutCredentialsIsTurnedAway() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.greet()).as("0xFF: only user/password is acceptable").isEqualTo(0xff);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void socksWithWrongPasswordFails() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.login("alice", "wrong")).isNotZero();
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void socksWithCredentialsConnects() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.login("alice", "s3cret:with:colons")).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
      assertThat(s.echo("authenticated")).isEqualTo("authenticated");
    }
  }

  @Test
  void httpWithoutCredentialsGets407() throws IOException {
    assertThat(connect(null)).startsWith("HTTP/1.1 407");
    assertThat(connect("alice:wrong")).startsWith("HTTP/1.1 407");
  }

  @Test
  void httpWithCredentialsConnects() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + echo.port();
      OutputStream out = s.getOutputStream();
      out.write(request(target, "alice:s3cret:with:colons").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(HttpDoorTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
      out.write("authenticated".getBytes());
      out.flush();
      assertThat(new String(s.getInputStream().readNBytes(13))).isEqualTo("authenticated");
    }
  }

  @Test
  void httpConnectAnswers407WithTheRealm() throws IOException {
    assertThat(connect(null).toLowerCase(Locale.ROOT))
        .contains("\r\nproxy-authenticate: basic realm=\"sidestep\"");
  }

  @Test
  void plainHttpWithoutCredentialsGets407() throws IOException {
    String answer = plain(null);
    assertThat(answer).startsWith("HTTP/1.1 407");
    assertThat(answer.toLowerCase(Locale.ROOT))
        .contains("\r\nproxy-authenticate: basic realm=\"sidestep\"");
    assertThat(plain("alice:wrong")).startsWith("HTTP/1.1 407");
  }

  @Test
  void plainHttpWithCredentialsReachesTheOriginWithoutThem() throws IOException {
    originHeaders.clear();
    String answer = plain(GOOD);
    assertThat(answer).startsWith("HTTP/1.1 200").endsWith("hello from the origin");
    assertThat(originHeaders).hasSize(1);
    assertThat(originHeaders.get(0).keySet())
        .noneMatch(h -> h.equalsIgnoreCase("Proxy-Authorization"));
  }

  @Test
  void dashboardWithoutCredentialsGets401() throws IOException {
    String answer = own("/", null, null);
    assertThat(answer).startsWith("HTTP/1.1 401");
    assertThat(answer.toLowerCase(Locale.ROOT))
        .contains("\r\nwww-authenticate: basic realm=\"sidestep\"");
    assertThat(own("/", "Authorization", "alice:wrong")).startsWith("HTTP/1.1 401");
    assertThat(own("/api/status", null, null)).startsWith("HTTP/1.1 401");
    assertThat(own("/proxy.pac", null, null)).startsWith("HTTP/1.1 401");
    assertThat(own("/", "Proxy-Authorization", GOOD))
        .as("the proxy header is not the page's")
        .startsWith("HTTP/1.1 401");
  }

  @Test
  void dashboardWithCredentialsGets200() throws IOException {
    assertThat(own("/", "Authorization", GOOD)).startsWith("HTTP/1.1 200").contains("text/html");
    assertThat(own("/api/status", "Authorization", GOOD)).startsWith("HTTP/1.1 200");
    assertThat(own("/proxy.pac", "Authorization", GOOD))
        .startsWith("HTTP/1.1 200")
        .contains("FindProxyForURL");
  }

  @Test
  void credentialsNeverAppearInToString() {
    assertThat(DoorCredentials.parse("bob:hunter2").toString()).doesNotContain("hunter2");
    assertThatThrownBy(() -> DoorCredentials.parse("bob")).hasMessageContaining("USER:PASSWORD");
  }

  private static String connect(String credentials) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              request("127.0.0.1:" + echo.port(), credentials).getBytes(StandardCharsets.US_ASCII));
      return HttpDoorTest.readHead(s.getInputStream());
    }
  }

  /** A request for the door's own {@code path}, with {@code credentials} in {@code header}. */
  private static String own(String path, String header, String credentials) throws IOException {
    String here = "127.0.0.1:" + http.getPort();
    String auth = header == null ? "" : header + ": " + basic(credentials) + "\r\n";
    return exchange(
        "GET " + path + " HTTP/1.1\r\nHost: " + here + "\r\n" + auth + "Connection: close\r\n\r\n");
  }

  /** An absolute-form GET to the origin through the door. */
  private static String plain(String credentials) throws IOException {
    String target = "127.0.0.1:" + origin.getAddress().getPort();
    String auth = credentials == null ? "" : "Proxy-Authorization: " + basic(credentials) + "\r\n";
    return exchange(
        "GET http://"
            + target
            + "/ HTTP/1.1\r\nHost: "
            + target
            + "\r\n"
            + auth
            + "Connection: close\r\n\r\n");
  }

  /** Sends {@code request} and reads the answer: its head and the body its length gives. */
  private static String exchange(String request) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      String head = HttpDoorTest.readHead(s.getInputStream());
      Matcher length = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(head);
      int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
      return head + new String(s.getInputStream().readNBytes(n), StandardCharsets.UTF_8);
    }
  }

  private static String basic(String credentials) {
    return "Basic "
        + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  private static String request(String target, String credentials) {
    String auth =
        credentials == null
            ? ""
            : "Proxy-Authorization: Basic "
                + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))
                + "\r\n";
    return "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n" + auth + "\r\n";
  }
}
