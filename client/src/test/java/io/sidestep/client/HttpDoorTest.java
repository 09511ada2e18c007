package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
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
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The HTTP door (LittleProxy chained to the core) on direct routes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpDoorTest {

  static HttpServer origin;
  static final List<Map<String, List<String>>> originHeaders = new CopyOnWriteArrayList<>();
  static EchoServer echo;
  static FakeResolver resolver;
  static final AtomicInteger littleProxyLookups = new AtomicInteger();
  static Client client;
  static HttpClient http;

  @BeforeAll
  static void start() throws IOException {
    origin = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 10);
    origin.createContext(
        "/",
        exchange -> {
          originHeaders.add(Map.copyOf(exchange.getRequestHeaders()));
          byte[] body = "hello from the origin".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    origin.start();
    echo = new EchoServer("127.0.0.1");
    resolver = new FakeResolver().answer("origin.test", "127.0.0.1");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .resolver(resolver)
            .threads(2)
            .httpHostResolverHook(host -> littleProxyLookups.incrementAndGet())
            .router(
                d ->
                    d.host().startsWith("blocked")
                        ? new Decision(Action.REJECT, "test: blocked.*")
                        : d.host().startsWith("relayed")
                            ? new Decision(Action.RELAY, "test: relayed.*")
                            : new Decision(Action.DIRECT, "test: everything else"))
            .start();
    http =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(client.httpAddress()))
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    origin.stop(0);
    echo.close();
    assertThat(littleProxyLookups.get()).as("names LittleProxy tried to resolve").isZero();
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void plainHttpByName() throws Exception {
    HttpResponse<String> r = get("http://origin.test:" + origin.getAddress().getPort() + "/page");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello from the origin");
    assertThat(resolver.asked()).contains("origin.test");
    Map<String, List<String>> headers = originHeaders.get(originHeaders.size() - 1);
    assertThat(headers.keySet())
        .as("no proxy headers reach the origin")
        .noneMatch(h -> h.equalsIgnoreCase("Via") || h.toLowerCase().startsWith("proxy-"));
  }

  @Test
  void connectTunnelCarriesBytes() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      String target = "127.0.0.1:" + echo.port();
      out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes());
      out.flush();
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200");
      out.write("through the tunnel".getBytes());
      out.flush();
      assertThat(new String(in.readNBytes(18))).isEqualTo("through the tunnel");
    }
  }

  @Test
  void bytesBehindTheConnectAndAHalfCloseReachTheDestination() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + echo.port();
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(
          ("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\nearly bytes")
              .getBytes(StandardCharsets.US_ASCII));
      assertThat(readHead(in)).startsWith("HTTP/1.1 200");
      assertThat(new String(in.readNBytes(11), StandardCharsets.US_ASCII))
          .as("bytes sent right behind the CONNECT")
          .isEqualTo("early bytes");
      out.write("request then FIN".getBytes(StandardCharsets.US_ASCII));
      s.shutdownOutput();
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
          .as("the destination saw the FIN, answered and closed")
          .isEqualTo("request then FIN");
    }
  }

  @Test
  void aConnectHeadInPiecesWithBytesBehindIsTakenWhole() throws Exception {
    try (Socket s = door()) {
      s.setTcpNoDelay(true);
      String target = "127.0.0.1:" + echo.port();
      // The door's front decides on "CONNECT " and then waits for the blank line; pauses between
      // the pieces make them separate reads (and if they are not, the test still holds).
      for (String piece :
          new String[] {
            "CONN", "ECT " + target + " HTTP/1.1\r\nHost: ", target + "\r\n", "\r\nabc"
          }) {
        s.getOutputStream().write(piece.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        Thread.sleep(30);
      }
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
      assertThat(new String(s.getInputStream().readNBytes(3), StandardCharsets.US_ASCII))
          .as("the bytes behind the head")
          .isEqualTo("abc");
    }
  }

  @Test
  void aConnectTooLongForTheFrontIsLittleProxysAndStillTunnels() throws IOException {
    // A 10 KB header: over the 8 KiB the door's front reads, within LittleProxy's 32 KiB.
    try (Socket s = door()) {
      String target = "127.0.0.1:" + echo.port();
      String longHeader = "X-Long: " + "a".repeat(10_000);
      s.getOutputStream()
          .write(
              ("CONNECT "
                      + target
                      + " HTTP/1.1\r\nHost: "
                      + target
                      + "\r\n"
                      + longHeader
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      tunnelEchoes(s, "via LittleProxy");
    }
  }

  @Test
  void aBareLfConnectGetsLittleProxysAnswerAtOnce() throws IOException {
    // The front must not wait for a CR LF CR LF that never comes: LittleProxy answers.
    try (Socket s = door()) {
      String target = "127.0.0.1:" + echo.port();
      s.getOutputStream()
          .write(("CONNECT " + target + " HTTP/1.1\nHost: " + target + "\n\n").getBytes());
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void aConnectAfterAPlainRequestOnTheSameConnectionTunnels() throws IOException {
    try (Socket s = door()) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      String page = "origin.test:" + origin.getAddress().getPort();
      out.write(("GET http://" + page + "/page HTTP/1.1\r\nHost: " + page + "\r\n\r\n").getBytes());
      String head = readHead(in);
      assertThat(head).startsWith("HTTP/1.1 200");
      java.util.regex.Matcher length =
          java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
      assertThat(length.find()).as(head).isTrue();
      assertThat(new String(in.readNBytes(Integer.parseInt(length.group(1)))))
          .isEqualTo("hello from the origin");
      String target = "127.0.0.1:" + echo.port();
      out.write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes());
      tunnelEchoes(s, "second request");
    }
  }

  @Test
  void rejectRuleGets403() throws Exception {
    HttpResponse<String> r = get("http://blocked.test/");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("test: blocked.*");
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("CONNECT blocked.test:443 HTTP/1.1\r\nHost: blocked.test:443\r\n\r\n".getBytes());
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 403");
    }
  }

  @Test
  void relayNameNeverReachesAResolverEvenWithoutARelay() throws Exception {
    HttpResponse<String> r = get("http://relayed.test/");
    assertThat(r.statusCode()).as("no relay configured: the door says so").isEqualTo(502);
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("CONNECT relayed.test:443 HTTP/1.1\r\nHost: relayed.test:443\r\n\r\n".getBytes());
      assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 502");
    }
    try (Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("relayed.test", 443)).as("0x01: no relay").isEqualTo(1);
    }
    assertThat(resolver.asked()).doesNotContain("relayed.test");
    assertThat(littleProxyLookups.get()).isZero();
  }

  @Test
  void servesThePacFile() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + client.httpAddress().getPort() + "/proxy.pac"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("application/x-ns-proxy-autoconfig");
    assertThat(r.body())
        .contains("function FindProxyForURL")
        .contains(
            "\"PROXY 127.0.0.1:"
                + client.httpAddress().getPort()
                + "; SOCKS5 127.0.0.1:"
                + client.socksAddress().getPort()
                + "\"");
    assertThat(r.body().split("\"DIRECT\"", -1))
        .as("DIRECT appears once, for local names only: no fallback")
        .hasSize(2);
  }

  @Test
  void hugeHeaderLineIsRefusedAndTheDoorCarriesOn() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET http://origin.test:" + origin.getAddress().getPort() + "/ HTTP/1.1\r\n")
              .getBytes());
      out.write("X-Big: ".getBytes());
      byte[] chunk = new byte[64 * 1024];
      java.util.Arrays.fill(chunk, (byte) 'a');
      try {
        for (int i = 0; i < 16; i++) {
          out.write(chunk);
        }
        out.write("\r\n\r\n".getBytes());
        out.flush();
      } catch (IOException e) {
        // the door may close before the whole line is written: that is a clean refusal too
      }
      String head;
      try {
        head = readHead(s.getInputStream());
      } catch (IOException e) {
        head = "";
      }
      assertThat(head)
          .as("a 4xx or a plain close")
          .satisfiesAnyOf(
              h -> assertThat(h).startsWith("HTTP/1.1 4"), h -> assertThat(h).isEmpty());
    }
    HttpResponse<String> r = get("http://origin.test:" + origin.getAddress().getPort() + "/after");
    assertThat(r.statusCode()).isEqualTo(200);
  }

  @Test
  void theDoorNamesItselfInNoHeaderAPageCanRead() throws Exception {
    HttpResponse<String> r = get("http://origin.test:" + origin.getAddress().getPort() + "/page");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().allValues("via")).as("a proxied response").isEmpty();
    HttpResponse<String> refused = get("http://blocked.test/");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().allValues("via")).as("the door's own page").isEmpty();
    try (Socket s = new Socket()) {
      s.connect(client.httpAddress(), 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + echo.port();
      s.getOutputStream()
          .write(("CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n\r\n").getBytes());
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200");
      assertThat(head.toLowerCase(java.util.Locale.ROOT)).doesNotContain("via:");
    }
  }

  /** A socket to the door with a read timeout. */
  static Socket door() throws IOException {
    Socket s = new Socket();
    s.connect(client.httpAddress(), 5000);
    s.setSoTimeout(10_000);
    return s;
  }

  /** Expects the door's 200 on {@code s}, then {@code text} sent through and echoed back. */
  static void tunnelEchoes(Socket s, String text) throws IOException {
    assertThat(readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    assertThat(new String(s.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII))
        .isEqualTo(text);
  }

  static String readHead(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) != -1) {
      b.append((char) c);
      if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return b.toString();
  }
}
