package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without valid credentials the relay is an ordinary small web site: a GET, a CONNECT, bytes that
 * are not HTTP and any SNI all get what nginx would give, never a 407 and never a proxy header.
 * Malformed input closes that one connection and the relay keeps serving.
 */
@Timeout(60)
class ProbeResistanceTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey alice;
  static TestOrigin http;

  @BeforeAll
  static void start() {
    http = TestOrigin.http();
    relay = TestRelays.reachingLoopback(state).start();
    alice = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    relay.close();
    http.close();
  }

  @AfterEach
  void relayStillServes() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r = c.request(RelayClient.connectRequest(http.port(), alice));
      assertThat(r.status()).as("the relay keeps serving its users").isEqualTo(200);
    }
  }

  /** Nothing in a response to a stranger may hint at a proxy. */
  static void looksLikeAWebServer(RelayClient.Response r) {
    assertThat(r.status()).isNotEqualTo(407);
    assertThat(r.header("Server")).isEqualTo("nginx");
    for (String name : r.headerNames()) {
      String n = name.toLowerCase(Locale.ROOT);
      assertThat(n).as("header %s", name).doesNotStartWith("proxy-").isNotEqualTo("via");
    }
    assertThat(r.headerNames())
        .as("nginx capitalises its headers")
        .contains("Server", "Date", "Content-Type", "Content-Length", "Connection");
    assertThat(r.bodyText().toLowerCase(Locale.ROOT)).doesNotContain("proxy", "sidestep");
  }

  static RelayClient.Response ask(String request) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(request);
    }
  }

  @Test
  void strangersGetOfRootIsTheDecoyPage() throws Exception {
    RelayClient.Response r = ask("GET / HTTP/1.1\r\nHost: relay.example\r\n\r\n");
    looksLikeAWebServer(r);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyText()).contains("<title>Field notes</title>");
    assertThat(r.header("ETag")).isNotNull();
    RelayClient.Response missing = ask("GET /admin HTTP/1.1\r\nHost: relay.example\r\n\r\n");
    looksLikeAWebServer(missing);
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.bodyText()).contains("<center>nginx</center>");
  }

  @Test
  void missingAndWrongTokensGetExactlyWhatAStrangerGets() throws Exception {
    String target = "http://127.0.0.1:" + http.port() + "/";
    int before = http.requests().size();
    Function<String, String> withAuth =
        auth ->
            "GET "
                + target
                + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n")
                + "\r\n";
    RelayClient.Response none = ask(withAuth.apply(null));
    RelayClient.Response wrong = ask(withAuth.apply(RelayClient.basic("alice", "not-the-token")));
    RelayClient.Response unknown = ask(withAuth.apply(RelayClient.basic("mallory", "x")));
    RelayClient.Response garbled = ask(withAuth.apply("Basic !!!"));
    RelayClient.Response bearer = ask(withAuth.apply("Bearer " + alice.token()));
    for (RelayClient.Response r : List.of(none, wrong, unknown, garbled, bearer)) {
      looksLikeAWebServer(r);
      assertThat(r.status()).isEqualTo(none.status());
      assertThat(r.body()).isEqualTo(none.body());
      assertThat(r.headerNames()).isEqualTo(none.headerNames());
    }
    assertThat(http.requests()).as("nothing was forwarded for strangers").hasSize(before);
  }

  @Test
  void strangersConnectGetsA400AndAClose() throws Exception {
    for (String auth :
        new String[] {"", "Proxy-Authorization: " + RelayClient.basic("alice", "bad") + "\r\n"}) {
      try (RelayClient c = RelayClient.connect(relay.address())) {
        RelayClient.Response r =
            c.request("CONNECT 127.0.0.1:" + http.port() + " HTTP/1.1\r\n" + auth + "\r\n");
        looksLikeAWebServer(r);
        assertThat(r.status()).isEqualTo(400);
        assertThat(c.closedByRelay()).isTrue();
      }
    }
  }

  @Test
  void otherMethodsGet405LikeAStaticSiteAndTheConnectionStaysOpen() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
      looksLikeAWebServer(r);
      assertThat(r.status()).isEqualTo(405);
      assertThat(r.statusLine()).isEqualTo("HTTP/1.1 405 Not Allowed");
      assertThat(c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
    }
  }

  @Test
  void requestsNginxRefusesAreRefusedTheSameWay() throws Exception {
    // Checked against nginx 1.22 with server_tokens off: same status, headers and body.
    RelayClient.Response noHost = ask("GET / HTTP/1.1\r\n\r\n");
    assertThat(noHost.status()).isEqualTo(400);
    assertThat(noHost.header("Connection")).isEqualTo("close");
    RelayClient.Response http2 = ask("GET / HTTP/2.0\r\nHost: x\r\n\r\n");
    assertThat(http2.status()).isEqualTo(505);
    assertThat(http2.bodyText()).contains("<title>505 HTTP Version Not Supported</title>");
    assertThat(ask("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(400);
    assertThat(ask("GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n").status()).isEqualTo(400);
    assertThat(ask("GET / HTTP/1.0\r\n\r\n").status()).isEqualTo(200);
    for (RelayClient.Response r : List.of(noHost, http2)) {
      looksLikeAWebServer(r);
    }
  }

  @Test
  void dnsQueryIsA404ForStrangers() throws Exception {
    RelayClient.Response r =
        ask(
            "GET /dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB HTTP/1.1\r\nHost: x\r\n\r\n");
    looksLikeAWebServer(r);
    assertThat(r.status()).isEqualTo(404);
  }

  @Test
  void anySniIsAccepted() throws Exception {
    for (String sni : new String[] {"www.example.org", "cdn.test", "xn--80ak6aa92e.com"}) {
      try (RelayClient c = RelayClient.connect(relay.address(), sni, null)) {
        assertThat(c.request("GET / HTTP/1.1\r\nHost: " + sni + "\r\n\r\n").status())
            .isEqualTo(200);
      }
    }
  }

  @Test
  void alpnPicksH2LikeNginxWithHttp2() throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {RelayClient.TRUST_ALL}, null);
    try (javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket)
            ctx.getSocketFactory()
                .createSocket(relay.address().getAddress(), relay.address().getPort())) {
      s.setSoTimeout(RelayClient.TIMEOUT_MS);
      javax.net.ssl.SSLParameters p = s.getSSLParameters();
      p.setApplicationProtocols(new String[] {"h2", "http/1.1"});
      s.setSSLParameters(p);
      s.startHandshake();
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
    }
  }

  @Test
  void keepAliveServesSeveralRequestsOnOneConnection() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      // pipelined: both requests in one write
      c.write("GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /nothing HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(c.readResponse().status()).isEqualTo(200);
      RelayClient.Response head = RelayClient.readResponse(c.in, true);
      assertThat(head.status()).isEqualTo(404);
      assertThat(c.request("GET / HTTP/1.1\r\nHost: a\r\n\r\n").status()).isEqualTo(200);
    }
  }

  @Test
  void garbageInsideTlsGets400AndAClose() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.write(new byte[] {0, 1, 2, 3, (byte) 0xff, 'x', '\r', '\n'});
      RelayClient.Response r = c.readResponse();
      looksLikeAWebServer(r);
      assertThat(r.status()).isEqualTo(400);
      assertThat(c.closedByRelay()).isTrue();
    }
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r = c.request("get / http/1.1\r\n\r\n");
      assertThat(r.status()).as("nginx wants upper-case methods").isEqualTo(400);
    }
  }

  @Test
  void plainHttpOnTheTlsPortGetsNginxsAnswer() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(relay.address(), RelayClient.TIMEOUT_MS);
      s.setSoTimeout(RelayClient.TIMEOUT_MS);
      s.getOutputStream()
          .write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      RelayClient.Response r = RelayClient.readResponse(s.getInputStream(), false);
      looksLikeAWebServer(r);
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.bodyText()).contains("The plain HTTP request was sent to HTTPS port");
    }
  }

  @Test
  void garbageTlsRecordClosesCleanly() throws Exception {
    for (byte[] junk :
        List.of(
            new byte[] {0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5},
            "\u0016\u0003\u0003garbage garbage garbage".getBytes(StandardCharsets.ISO_8859_1),
            new byte[] {0x00, 0x00, 0x00, 0x00},
            // A whole SSLv2-framed record (a truncated one waits for the rest, as on nginx).
            new byte[] {(byte) 0x80, 0x03, 0x01, 0x00, 0x02})) {
      try (Socket s = new Socket()) {
        s.connect(relay.address(), RelayClient.TIMEOUT_MS);
        s.setSoTimeout(RelayClient.TIMEOUT_MS);
        s.getOutputStream().write(junk);
        assertThat(RelayClient.readsToEnd(s))
            .as("the relay closes, it does not hang: %s", java.util.Arrays.toString(junk))
            .isTrue();
      }
    }
  }

  @Test
  void truncatedConnectClosesCleanlyWhenTheClientGoesAway() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.write("CONNECT 127.0.0.1:" + http.port() + " HTTP/1.1\r\nProxy-Author");
      c.socket().shutdownOutput();
      assertThat(c.closedByRelay()).isTrue();
    }
  }

  @Test
  void aMegabyteHeaderLineIsRefusedWithoutAHang() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      String line = "X-Big: " + "a".repeat(1 << 20) + "\r\n";
      try {
        c.write("GET / HTTP/1.1\r\nHost: x\r\n" + line + "\r\n");
      } catch (IOException e) {
        // the relay may close before the whole megabyte is written: also fine
      }
      try {
        RelayClient.Response r = c.readResponse();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("Request Header Or Cookie Too Large");
      } catch (IOException e) {
        // a reset because the relay closed with unread input is a clean close too
      }
      assertThat(c.closedByRelay()).isTrue();
    }
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r = c.request("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n\r\n");
      assertThat(r.status()).isEqualTo(414);
    }
  }

  @Test
  void headersAreLimitedInSizeNotInNumberAsOnNginx() throws Exception {
    StringBuilder sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 150; i++) {
      sb.append("X-H").append(i).append(": 1\r\n");
    }
    RelayClient.Response many = ask(sb.append("\r\n").toString());
    looksLikeAWebServer(many);
    assertThat(many.status()).as("nginx counts no headers").isEqualTo(200);
    sb = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 30; i++) {
      sb.append("X-H").append(i).append(": ").append("a".repeat(1500)).append("\r\n");
    }
    RelayClient.Response big = ask(sb.append("\r\n").toString());
    looksLikeAWebServer(big);
    assertThat(big.status()).as("more than 32 KiB in all").isEqualTo(400);
    assertThat(big.bodyText()).contains("Request Header Or Cookie Too Large");
  }

  @Test
  void decoyDirectoryIsServedAndTraversalRefused(@TempDir Path tmp) throws Exception {
    Path site = Files.createDirectories(tmp.resolve("site"));
    Files.writeString(site.resolve("index.html"), "<html>my own page</html>");
    Files.createDirectories(site.resolve("docs"));
    Files.writeString(site.resolve("docs/a.txt"), "text file");
    Files.writeString(site.resolve(".htpasswd"), "hidden");
    Files.writeString(tmp.resolve("secret.txt"), "outside the site");
    Files.createSymbolicLink(site.resolve("escape.txt"), tmp.resolve("secret.txt"));
    try (Relay r = TestRelays.onLoopback(tmp.resolve("state")).decoyDir(site).start()) {
      Function<String, RelayClient.Response> get =
          path -> {
            try (RelayClient c = RelayClient.connect(r.address())) {
              return c.request("GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            } catch (Exception e) {
              throw new AssertionError(e);
            }
          };
      assertThat(get.apply("/").bodyText()).isEqualTo("<html>my own page</html>");
      RelayClient.Response txt = get.apply("/docs/a.txt");
      assertThat(txt.bodyText()).isEqualTo("text file");
      assertThat(txt.header("Content-Type")).isEqualTo("text/plain");
      for (String climb :
          List.of(
              "/../secret.txt",
              "/docs/../../secret.txt",
              "/%2e%2e/secret.txt",
              "/docs/%2E%2E/%2e%2e/secret.txt",
              "/..%2fsecret.txt")) {
        RelayClient.Response resp = get.apply(climb);
        assertThat(resp.status())
            .as("%s climbs above the root: 400 as on nginx", climb)
            .isEqualTo(400);
        assertThat(resp.bodyText()).as(climb).doesNotContain("outside the site");
      }
      for (String bad :
          List.of("/.htpasswd", "/escape.txt", "/docs%5c..%5c..%5csecret.txt", "/nothing-here")) {
        RelayClient.Response resp = get.apply(bad);
        assertThat(resp.status()).as(bad).isEqualTo(404);
        assertThat(resp.bodyText()).as(bad).doesNotContain("outside the site", "hidden");
      }
      RelayClient.Response dir = get.apply("/docs/.htpasswd/..");
      assertThat(dir.status())
          .as("that is /docs/, a directory without an index: nginx's 403")
          .isEqualTo(403);
      assertThat(dir.bodyText()).doesNotContain("hidden");
      assertThat(get.apply("/docs/../docs/./a.txt").bodyText())
          .as("dot segments inside the site resolve as on any web server")
          .isEqualTo("text file");
    }
  }
}
