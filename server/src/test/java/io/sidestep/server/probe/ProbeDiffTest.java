package io.sidestep.server.probe;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.sidestep.server.Relay;
import io.sidestep.server.RelayCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Asks the relay and a stock nginx (serving the same files with the same certificate, timeouts
 * shortened alike) the same questions a prober would, and compares the answers: the TLS handshake's
 * outcome, every byte that comes back (with the Date header's value masked), and whether and when
 * the connection closes. A stranger must not be able to tell them apart.
 *
 * <p>Not compared: how TLS cuts the bytes into records. They differ in the handshake, where a
 * prober needs no request to see it: nginx's OpenSSL (3.0 on Debian 12) sends each message of its
 * encrypted first flight in a record of its own (23, 423, about 96 and 69 bytes) and each of its
 * two session tickets too (266 and 266), where the relay's BoringSSL sends the flight in one record
 * (about 560) and both tickets in one (413), as the JDK's TLS would too (585, 678). No TLS library
 * the relay can load here cuts them as OpenSSL does: netty-tcnative's builds for the system's
 * OpenSSL need 3.2 or later. The records of the answers themselves were the same size on both sides
 * where measured (HTTP/1.1 answers and close_notify).
 */
@Timeout(120)
class ProbeDiffTest {

  /** Header, body and keep-alive timeout on both sides, short so that the suite stays fast. */
  static final Duration TIMEOUT = Duration.ofSeconds(3);

  static final long WAIT = TIMEOUT.toMillis() * 2 + 500;

  /** A fixed modification time, so that ETag and Last-Modified are the same on both sides. */
  static final Instant MTIME = Instant.parse("2024-05-01T10:00:00Z");

  /**
   * Probes whose close comes when the work is done, not at a timeout: how long that takes measures
   * the machine's load, not the server's policy.
   */
  static final java.util.Set<String> UNTIMED = java.util.Set.of("1001 requests");

  /**
   * Why two probes differ: with no window to send a file's DATA in, nginx holds back the HEADERS of
   * an answer from a file too, until it next writes anything on the connection (the next answer's
   * HEADERS, a PING's ACK, a SETTINGS ACK); an answer from memory (a 404 page, a HEAD) goes at
   * once. Netty's codec sends every HEADERS at once, and holds back the DATA.
   */
  private static final String WINDOWLESS_FILE =
      "nginx holds a file answer's HEADERS while its stream has no window, until it next writes;"
          + " the relay sends them at once";

  /** Probes the relay is known to answer differently, and why; they are reported as skipped. */
  static final Map<String, String> KNOWN =
      Map.of(
          "ClientHello with ALPN h2 alone, raw",
          "both now pick h2 and answer with a ServerHello, whose random differs every time; the"
              + " refusal this probe was for is 'ClientHello with unknown ALPN, raw'",
          "h2 HEADERS frame of 100 KB of zeros",
          "a stranger's frame over 64 KiB is never held whole: the relay ends the connection on"
              + " a header block that long with ENHANCE_YOUR_CALM, unread. nginx reads it as it"
              + " comes and answers the first fault it finds, here PROTOCOL_ERROR for a field"
              + " with an empty name; a block of real fields that long gets ENHANCE_YOUR_CALM from"
              + " both ('h2 HEADERS frame of 75 KB')",
          "h2 initial window 0 then GET",
          WINDOWLESS_FILE,
          "h2 initial window 0, two GETs",
          WINDOWLESS_FILE);

  @TempDir static Path work;
  static Relay relay;
  static Nginx nginx;

  /**
   * nginx with {@code http2} on its listen line, as the relay is (it offers h2 first): what the
   * probes in {@link #ALPN} are compared with.
   */
  static Nginx nginxH2;

  /** Probes whose answer depends on ALPN, compared with {@link #nginxH2}. */
  static final java.util.Set<String> ALPN =
      java.util.Set.of(
          "ClientHello with ALPN h2 alone, raw",
          "ClientHello with unknown ALPN, raw",
          "ALPN http/1.1",
          "ALPN h2 alone",
          "ALPN h2,http/1.1",
          "unknown ALPN");

  static Map<String, Probe.Outcome[]> outcomes;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Nginx.installed(), "nginx is installed (.ci/run installs it)");
    Path site = Files.createDirectories(work.resolve("site"));
    Files.writeString(site.resolve("index.html"), INDEX);
    Files.writeString(site.resolve("style.css"), "body { color: #222; }\n");
    Files.createDirectories(site.resolve("docs"));
    Files.writeString(site.resolve("docs/index.html"), "<p>docs</p>\n");
    Files.createDirectories(site.resolve("empty"));
    for (Path p :
        List.of(
            site.resolve("index.html"),
            site.resolve("style.css"),
            site.resolve("docs/index.html"))) {
      Files.setLastModifiedTime(p, FileTime.from(MTIME));
    }
    Path state = work.resolve("state");
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(state)
            .decoyDir(site)
            .handshakeTimeout(TIMEOUT)
            .requestTimeout(TIMEOUT)
            .keepAliveTimeout(TIMEOUT)
            .start();
    relay.addUser("alice");
    nginx =
        Nginx.start(
            work,
            site,
            state.resolve(RelayCertificate.CERT_FILE),
            state.resolve(RelayCertificate.KEY_FILE),
            true,
            TIMEOUT,
            null);
    nginxH2 =
        Nginx.start(
            work,
            site,
            state.resolve(RelayCertificate.CERT_FILE),
            state.resolve(RelayCertificate.KEY_FILE),
            true,
            true,
            TIMEOUT,
            null);
    // Both servers answer a few requests first, so that the relay's code is compiled (nginx's
    // always is) before anything is compared.
    for (int i = 0; i < 20; i++) {
      Probe.tls("warm-up", get("/")).listen(0).run(relay.address());
      Probe.tls("warm-up", get("/")).listen(0).run(nginx.address());
      Probe.tls("warm-up", get("/")).listen(0).run(nginxH2.address());
    }
    List<Probe> all = new ArrayList<>(probes());
    all.addAll(h2Probes());
    outcomes = runAll(all);
  }

  @AfterAll
  static void stop() {
    if (relay != null) {
      relay.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    if (nginxH2 != null) {
      nginxH2.close();
    }
  }

  static final String INDEX =
      "<!DOCTYPE html>\n<html><head><title>Field notes</title></head>\n"
          + "<body><h1>Field notes</h1><p>Notes on bread, bicycles and birds.</p></body></html>\n";

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: example.com\r\n\r\n";
  }

  static String headers(int count, int valueLength) {
    StringBuilder b = new StringBuilder("GET / HTTP/1.1\r\nHost: example.com\r\n");
    for (int i = 0; i < count; i++) {
      b.append("X-H").append(i).append(": ").append("a".repeat(valueLength)).append("\r\n");
    }
    return b.append("\r\n").toString();
  }

  static byte[] bytes(String s) {
    return s.getBytes(ISO_8859_1);
  }

  static byte[] hex(String h) {
    byte[] b = new byte[h.length() / 2];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
    }
    return b;
  }

  static List<Probe> probes() {
    List<Probe> p = new ArrayList<>();
    String etag =
        "\""
            + Long.toHexString(MTIME.getEpochSecond())
            + "-"
            + Integer.toHexString(INDEX.length())
            + "\"";
    // Over TLS: ordinary requests.
    p.add(Probe.tls("GET /", get("/")));
    p.add(Probe.tls("GET /index.html", get("/index.html")));
    p.add(Probe.tls("GET /style.css", get("/style.css")));
    p.add(Probe.tls("GET /missing", get("/missing")));
    p.add(Probe.tls("HEAD /", "HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    p.add(Probe.tls("GET /?q=1", get("/?q=1")));
    p.add(Probe.tls("HTTP/1.0 GET /", "GET / HTTP/1.0\r\n\r\n"));
    p.add(Probe.tls("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    p.add(Probe.tls("Connection: close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    p.add(Probe.tls("POST / small", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    p.add(Probe.tls("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("OPTIONS /", "OPTIONS / HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("DELETE /", "DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("PUT / body", "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
    // Over TLS: what the review found different.
    p.add(Probe.tls("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    p.add(Probe.tls("one 10 KB header", headers(1, 10_000)));
    p.add(Probe.tls("150 small headers", headers(150, 10)));
    p.add(Probe.tls("20 headers of 1.5 KB", headers(20, 1500)));
    p.add(Probe.tls("30 headers of 1.5 KB", headers(30, 1500)));
    p.add(Probe.tls("GET / HTTP/0.9", "GET /\r\n"));
    p.add(Probe.tls("bare LF", "GET / HTTP/1.1\nHost: example.com\n\n"));
    p.add(
        Probe.tls(
            "POST 100 KB then GET",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
                + "a".repeat(100_000)
                + get("/")));
    p.add(
        Probe.tls(
                "Content-Length: 2000000",
                "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\nabc")
            .listen(7000));
    p.add(Probe.tls("Host: a b", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n"));
    p.add(Probe.tls("/%zz", get("/%zz")));
    p.add(Probe.tls("/index.html/", get("/index.html/")));
    p.add(Probe.tls("TRACE", "TRACE / HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("Range", "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n"));
    p.add(Probe.tls("Range suffix", "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=-5\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-Modified-Since",
            "GET / HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Wed, 01 May 2024 10:00:00 GMT\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-None-Match", "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag + "\r\n\r\n"));
    p.add(
        Probe.tls("1001 requests", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(1001)).listen(WAIT));
    p.add(Probe.tls("keep-alive timeout", get("/")).listen(WAIT));
    p.add(Probe.tls("head timeout", "GET / HTTP/1.1\r\nHost: x\r\n").listen(WAIT));
    p.add(Probe.tls("nothing after handshake", new byte[0]).listen(WAIT));
    // Over TLS: proxy requests without valid credentials, and other odd requests.
    p.add(
        Probe.tls("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
    p.add(
        Probe.tls(
            "CONNECT wrong token",
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
                + "Proxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n"));
    p.add(
        Probe.tls(
            "CONNECT speed sample",
            "CONNECT speed-sample.invalid:1024 HTTP/1.1\r\nHost: speed-sample.invalid\r\n\r\n"));
    p.add(
        Probe.tls(
            "CONNECT speed sample wrong token",
            "CONNECT speed-sample.invalid:1024 HTTP/1.1\r\nHost: speed-sample.invalid\r\n"
                + "Proxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n"));
    p.add(
        Probe.tls(
            "absolute GET wrong token",
            "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n"
                + "Proxy-Authorization: Basic YWxpY2U6d3Jvbmc=\r\n\r\n"));
    p.add(
        Probe.tls("absolute GET", "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    p.add(Probe.tls("unknown SNI", get("/")).sni("unknown.example"));
    p.add(Probe.tls("lowercase method", "get / HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("HTTP/2.0 request line", "GET / HTTP/2.0\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("two Host headers", "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"));
    p.add(Probe.tls("no Host", "GET / HTTP/1.1\r\n\r\n"));
    p.add(Probe.tls("/../etc/passwd", get("/../etc/passwd")));
    p.add(Probe.tls("/.git/config", get("/.git/config")));
    p.add(Probe.tls("9000-byte URI", get("/" + "a".repeat(9000))));
    p.add(
        Probe.tls(
            "chunked POST",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
    p.add(Probe.tls("header without colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"));
    p.add(Probe.tls("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n"));
    p.add(
        Probe.tls(
            "Expect: 100-continue",
            "POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"));
    // More of our own.
    // Control characters in the request target, which nginx refuses (400) since 1.21.1; bytes over
    // 0x7f are allowed.
    p.add(Probe.tls("control byte in path", get("/index.html\u0001")));
    p.add(Probe.tls("escape in path", get("/\u001b[31m")));
    p.add(Probe.tls("tab in path", get("/a\tb")));
    p.add(Probe.tls("DEL in query", get("/?\u007f")));
    p.add(Probe.tls("byte 0xff in path", get("/\u00ff")));
    // Odd request lines and headers.
    for (String head :
        List.of(
            "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
            "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / http/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.01\r\nHost: x\r\n\r\n",
            "GET / HTTP/01.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.10\r\nHost: x\r\n\r\n",
            "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJ / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nBad\u0001Name: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nUnder_score: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\na",
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: \u00ff\u00fe\r\n\r\n",
            // Header lines nginx reads otherwise than Netty's decoder: control characters in a
            // value, folded lines, lines without a colon.
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX:\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u007fb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\tb\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\u0001b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\n folded: x\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\n\tX: y\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nNoColon\u0001\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX y: z\r\n\r\n",
            "GET / HTTP/1.1\nHost: x\nX: a\u0001b\n\n",
            "POST / HTTP/1.1\r\nHost: x\r\nX: \u0001\r\nContent-Length: 3\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: foo-close\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n",
            "GET / HTTP/1.0\r\nConnection: Keep-Alive, x\r\n\r\n",
            // Range headers as nginx's range filter reads them.
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=5-2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: BYTES=0-9\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes= 0 - 9 \r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9,\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=-0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-0,0-200\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=99999999999999999999-\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=a\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=500-600,0-1\r\n\r\n")) {
      p.add(Probe.tls("head " + head, head)); // the whole head: probes are told apart by name
    }
    // A HEAD nginx refuses once it has read the method: the same refusal, without its body.
    for (String head :
        List.of(
            "HEAD / HTTP/1.1\r\nHost: x\r\nX\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: a\u0001b\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: \r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity\r\n\r\n",
            "HEAD / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(10_000) + "\r\n\r\n",
            "HEAD /%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            "HEAD / HTTP/1.01\r\nHost: x\r\n\r\n")) {
      p.add(Probe.tls("head " + head, head));
    }
    // The second request of a kept-alive connection, sent once the first is answered, is read as
    // the first is.
    for (String second :
        List.of(
            "GET / HTTP/1.01\r\nHost: x\r\n\r\n",
            "GET / http/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\u0001b\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n",
            "GET /\r\n",
            "get / HTTP/1.1\r\nHost: x\r\n\r\n",
            "\u0016\u0003\u0001\u0000\u0005hello")) {
      p.add(Probe.tls("after a first answer: " + second, get("/")).afterAnswer(bytes(second)));
      // Pipelined: in the same write as the first.
      p.add(Probe.tls("pipelined: " + second, get("/") + second));
    }
    // Absolute-form targets: nginx's scheme, host and port syntax, then its Host check.
    for (String target :
        List.of(
            "http://a_b/",
            "http://a..b/",
            "http:///index.html",
            "http://:80/",
            "http://a%41/",
            "http://a@b/",
            "http://a:x/",
            "http://a:/",
            "http://a#x",
            "http://a/#x",
            "http://a?x",
            "http://a?x/index.html",
            "http://a",
            "http://.a/",
            "http://a./index.html",
            "http://-/",
            "1http://a/",
            "http:/a/",
            "h2c://a/index.html",
            "HTTPS://A.B/",
            "http://[a_b]/",
            "http://[::1/",
            "http://[::1]:8080/",
            "http://a\u0001b/")) {
      p.add(Probe.tls("absolute " + target, get(target)));
    }
    p.add(Probe.tls("two ranges", "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1,5-6\r\n\r\n"));
    p.add(
        Probe.tls("range past the end", "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=500-\r\n\r\n"));
    p.add(
        Probe.tls(
            "range end past the end", "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=100-900\r\n\r\n"));
    p.add(Probe.tls("range not bytes", "GET / HTTP/1.1\r\nHost: x\r\nRange: lines=1-2\r\n\r\n"));
    p.add(Probe.tls("HEAD with range", "HEAD / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n"));
    p.add(Probe.tls("If-Match wrong", "GET / HTTP/1.1\r\nHost: x\r\nIf-Match: \"nope\"\r\n\r\n"));
    p.add(Probe.tls("If-None-Match *", "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-Modified-Since other date",
            "GET / HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Thu, 02 May 2024 10:00:00 GMT\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-Unmodified-Since before",
            "GET / HTTP/1.1\r\nHost: x\r\nIf-Unmodified-Since: Tue, 30 Apr 2024 10:00:00 GMT\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-Range with the ETag",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nIf-Range: " + etag + "\r\n\r\n"));
    p.add(
        Probe.tls(
            "If-Range stale",
            "GET / HTTP/1.1\r\nHost: x\r\nRange: bytes=0-3\r\nIf-Range: \"old\"\r\n\r\n"));
    p.add(Probe.tls("directory without slash", get("/docs")));
    p.add(Probe.tls("directory with slash", get("/docs/")));
    p.add(Probe.tls("directory by dot segments", get("/docs/.hidden/..?q=1")));
    p.add(Probe.tls("directory with query", get("/docs?a=b")));
    p.add(Probe.tls("directory without index", get("/empty/")));
    p.add(Probe.tls("/%2e", get("/docs/%2e")));
    p.add(Probe.tls("Host with port", "GET / HTTP/1.1\r\nHost: example.com:8443\r\n\r\n"));
    p.add(Probe.tls("Host with two dots", "GET / HTTP/1.1\r\nHost: a..b\r\n\r\n"));
    p.add(Probe.tls("absolute https URI", "GET https://example.com/ HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(
        Probe.tls(
            "websocket upgrade",
            "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    p.add(Probe.tls("HTTP/1.0 HEAD", "HEAD / HTTP/1.0\r\n\r\n"));
    p.add(Probe.tls("/%2e%2e/", get("/%2e%2e/")));
    p.add(Probe.tls("/./index.html", get("/./index.html")));
    p.add(Probe.tls("//index.html", get("//index.html")));
    p.add(Probe.tls("/index.html%00", get("/index.html%00")));
    p.add(Probe.tls("long method", "ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\nHost: x\r\n\r\n"));
    p.add(Probe.tls("underscore header", "GET / HTTP/1.1\r\nHost: x\r\nX_Y: 1\r\n\r\n"));
    p.add(
        Probe.tls(
            "pipelined GET and HEAD", get("/") + "HEAD /missing HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Without TLS.
    p.add(Probe.raw("plain GET", bytes(get("/"))));
    p.add(Probe.raw("plain HEAD", bytes("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")));
    p.add(Probe.raw("single G", bytes("G")).listen(WAIT));
    p.add(Probe.raw("SSH banner", bytes("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")).listen(WAIT));
    byte[] garbage = new byte[64];
    new Random(7).nextBytes(garbage);
    garbage[0] = 0x42;
    p.add(Probe.raw("garbage", garbage).listen(WAIT));
    p.add(
        Probe.raw("plain lowercase method", bytes("get / HTTP/1.1\r\nHost: x\r\n\r\n"))
            .listen(WAIT));
    p.add(Probe.raw("CRLF alone", bytes("\r\n")).listen(WAIT));
    p.add(
        Probe.raw(
                "SSLv2 hello, truncated",
                hex(
                    "802e0100020015000000100700c0030080010080060040040080020080a1b2c3d4e5f60718293a4b5c6d7e8f90"))
            .listen(WAIT));
    p.add(
        Probe.raw(
                "SSLv2 hello",
                hex(
                    "8022010303000900000010"
                        + "00c02b00c02f0000ff"
                        + "a1b2c3d4e5f60718293a4b5c6d7e8f90"))
            .listen(WAIT));
    p.add(Probe.raw("ClientHello with ALPN h2 alone, raw", clientHello("h2")));
    p.add(Probe.raw("ClientHello with unknown ALPN, raw", clientHello("foo/1")));
    p.add(Probe.raw("bad TLS record version", hex("1603090005010000010000")).listen(WAIT));
    p.add(
        Probe.raw("record too long", bytes("\u0016\u0003\u0003garbage garbage garbage"))
            .listen(WAIT));
    p.add(Probe.raw("handshake too long", hex("16030100050102030405")).listen(WAIT));
    p.add(Probe.raw("record header alone", hex("16030100c8")).listen(WAIT));
    p.add(Probe.raw("no bytes", new byte[0]).listen(WAIT));
    // The TLS layer.
    p.add(Probe.tls("ALPN http/1.1", get("/")).alpn("http/1.1"));
    p.add(Probe.tls("ALPN h2 alone", get("/")).alpn("h2"));
    p.add(Probe.tls("ALPN h2,http/1.1", get("/")).alpn("h2", "http/1.1"));
    p.add(Probe.tls("unknown ALPN", get("/")).alpn("foo/1"));
    for (String suite :
        List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")) {
      p.add(Probe.tls("TLS 1.2 " + suite, get("/")).suite(suite));
    }
    return p;
  }

  /**
   * Strangers over HTTP/2: requests as an HTTP/2 client sends them, on a connection that chose h2.
   * Their answers are compared frame by frame, headers decoded (see {@link H2Frames}).
   */
  static List<Probe> h2Probes() {
    List<Probe> p = new ArrayList<>();
    p.add(h2("h2 GET /", H2Frames.get("/")));
    p.add(h2("h2 GET /style.css", H2Frames.get("/style.css")));
    p.add(h2("h2 GET /nope", H2Frames.get("/nope")));
    p.add(h2("h2 GET /docs", H2Frames.get("/docs")));
    p.add(h2("h2 two streams", H2Frames.get("/nope"), H2Frames.get("/")));
    p.add(h2("h2 HEAD /", H2Frames.method("HEAD", "/")));
    p.add(
        h2("h2 CONNECT", H2Frames.request(":method", "CONNECT", ":authority", "example.com:443")));
    p.add(
        h2("h2 wrong credentials", H2Frames.get("/", "proxy-authorization", "Basic dXNlcjpwYXNz")));
    p.add(h2("h2 control byte in path", H2Frames.get("/index.html\u0001")));
    p.add(h2("h2 absolute path", H2Frames.get("http://example.com/")));
    p.add(h2("h2 path /%zz", H2Frames.get("/%zz")));
    p.add(
        h2(
            "h2 no authority",
            H2Frames.request(":method", "GET", ":scheme", "https", ":path", "/", "host", "x")));
    p.add(
        h2(
            "h2 If-None-Match",
            H2Frames.get(
                "/",
                "if-none-match",
                "\""
                    + Long.toHexString(MTIME.getEpochSecond())
                    + "-"
                    + Integer.toHexString(INDEX.length())
                    + "\"")));
    p.add(h2("h2 Range", H2Frames.get("/", "range", "bytes=0-9")));
    // Frames other than requests.
    p.add(h2("h2 PING").then(H2Frames.frame(6, 0, 0, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
    p.add(h2("h2 unknown frame type").then(H2Frames.frame(0x42, 0, 0, new byte[] {1, 2})));
    p.add(h2("h2 WINDOW_UPDATE of 0").then(H2Frames.frame(8, 0, 0, new byte[4])));
    p.add(h2("h2 DATA on stream 0").then(H2Frames.frame(0, 0, 0, new byte[] {1})));
    p.add(h2("h2 uppercase header name", H2Frames.get("/", "X-Upper", "1")));
    // Frames a server must refuse or may ignore, each alone on a fresh connection.
    byte[] one = {1};
    byte[] cancel = {0, 0, 0, 8};
    byte[] eight = {1, 2, 3, 4, 5, 6, 7, 8};
    p.add(h2("h2 DATA on an idle stream").then(H2Frames.frame(0, 0, 1, one)));
    p.add(
        h2("h2 DATA on a stream past the last", H2Frames.get("/"))
            .then(H2Frames.frame(0, 0, 3, one)));
    p.add(h2("h2 RST_STREAM on an idle stream").then(H2Frames.frame(3, 0, 1, cancel)));
    p.add(h2("h2 RST_STREAM on stream 0").then(H2Frames.frame(3, 0, 0, cancel)));
    p.add(
        h2("h2 WINDOW_UPDATE on an idle stream")
            .then(H2Frames.frame(8, 0, 1, new byte[] {0, 0, 0, 1})));
    p.add(
        h2("h2 WINDOW_UPDATE past 2^31-1")
            .then(H2Frames.frame(8, 0, 0, new byte[] {0x7f, -1, -1, -1})));
    p.add(
        h2("h2 PRIORITY on an idle stream")
            .then(H2Frames.frame(2, 0, 3, new byte[] {0, 0, 0, 0, 15})));
    p.add(h2("h2 PRIORITY on itself").then(H2Frames.frame(2, 0, 3, new byte[] {0, 0, 0, 3, 15})));
    p.add(h2("h2 PING of 7 bytes").then(H2Frames.frame(6, 0, 0, new byte[7])));
    p.add(h2("h2 PING on stream 1").then(H2Frames.frame(6, 0, 1, eight)));
    p.add(h2("h2 PING ACK unasked").then(H2Frames.frame(6, 1, 0, eight)));
    p.add(
        h2("h2 SETTINGS ENABLE_PUSH 2")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 2, 0, 0, 0, 2})));
    p.add(
        h2("h2 SETTINGS window 2^31")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, -128, 0, 0, 0})));
    p.add(
        h2("h2 SETTINGS frame size 1")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 5, 0, 0, 0, 1})));
    p.add(h2("h2 SETTINGS of 5 bytes").then(H2Frames.frame(4, 0, 0, new byte[5])));
    p.add(
        h2("h2 SETTINGS ACK with a body")
            .then(H2Frames.frame(4, 1, 0, new byte[] {0, 3, 0, 0, 0, 1})));
    p.add(h2("h2 SETTINGS on stream 1").then(H2Frames.frame(4, 0, 1, new byte[0])));
    p.add(
        h2("h2 SETTINGS unknown id")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 0x42, 0, 0, 0, 1})));
    p.add(
        h2("h2 SETTINGS flags 0x81 with an entry")
            .then(H2Frames.frame(4, 0x81, 0, new byte[] {0, 3, 0, 0, 0, 1})));
    p.add(
        h2("h2 SETTINGS flags 0x81 empty, then GET")
            .then(H2Frames.frame(4, 0x81, 0, new byte[0]))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    // Settings nginx 1.22 does not check, or does not know, before a request.
    p.add(
        h2("h2 SETTINGS connect protocol 2 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 8, 0, 0, 0, 2}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS max header list 1 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 6, 0, 0, 0, 1}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS max streams 0 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 3, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS table size 2^32-1 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 1, -1, -1, -1, -1}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS frame size 2^24")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 5, 1, 0, 0, 0})));
    p.add(
        h2("h2 SETTINGS window 1 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 1}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS window twice, 0 then 65535, then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0, 0, 4, 0, 0, -1, -1}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 SETTINGS ENABLE_PUSH 2 after a good one")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 3, 0, 0, 0, 100, 0, 2, 0, 0, 0, 2})));
    p.add(h2("h2 CONTINUATION alone").then(H2Frames.frame(9, 4, 1, new byte[0])));
    p.add(h2("h2 GOAWAY from the client").then(H2Frames.frame(7, 0, 0, new byte[8])));
    p.add(
        h2("h2 GOAWAY from the client, then GET")
            .then(H2Frames.frame(7, 0, 0, new byte[8]))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 GET, then GOAWAY last 0")
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .then(H2Frames.frame(7, 0, 0, new byte[] {0, 0, 0, 0, 0, 0, 0, 2}))
            .then(H2Frames.headers(3, 5, H2Frames.get("/style.css"))));
    p.add(h2("h2 GOAWAY of 4 bytes").then(H2Frames.frame(7, 0, 0, new byte[4])));
    p.add(h2("h2 GOAWAY on stream 1").then(H2Frames.frame(7, 0, 1, new byte[8])));
    p.add(
        h2("h2 GOAWAY with debug data, then GET")
            .then(H2Frames.frame(7, 0, 0, new byte[40]))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(h2("h2 HEADERS on stream 2").then(H2Frames.headers(2, 5, H2Frames.get("/"))));
    p.add(h2("h2 HEADERS on stream 0").then(H2Frames.headers(0, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 stream ids going down", H2Frames.get("/"), H2Frames.get("/"))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 HEADERS after END_STREAM", H2Frames.get("/"))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2(
            "h2 pseudo-header after a header",
            H2Frames.request(
                ":method",
                "GET",
                "x",
                "1",
                ":authority",
                "example.com",
                ":scheme",
                "https",
                ":path",
                "/")));
    p.add(h2("h2 OPTIONS *", H2Frames.method("OPTIONS", "*")));
    p.add(
        h2(
            "h2 scheme http",
            H2Frames.request(
                ":method", "GET", ":authority", "example.com", ":scheme", "http", ":path", "/")));
    p.add(h2("h2 GET without END_STREAM").then(H2Frames.headers(1, 4, H2Frames.get("/"))));
    p.add(
        h2("h2 GET then DATA")
            .then(H2Frames.headers(1, 4, H2Frames.get("/")))
            .then(H2Frames.frame(0, 1, 1, one)));
    p.add(
        h2("h2 POST with a body")
            .then(H2Frames.headers(1, 4, H2Frames.method("POST", "/", "content-length", "1")))
            .then(H2Frames.frame(0, 1, 1, one)));
    p.add(h2("h2 unknown pseudo-header", H2Frames.get("/", ":foo", "1")));
    p.add(h2("h2 two :path", H2Frames.get("/", ":path", "/")));
    p.add(
        h2(
            "h2 no :method",
            H2Frames.request(":authority", "example.com", ":scheme", "https", ":path", "/")));
    p.add(h2("h2 empty :path", H2Frames.get("")));
    p.add(h2("h2 connection header", H2Frames.get("/", "connection", "keep-alive")));
    p.add(h2("h2 te gzip", H2Frames.get("/", "te", "gzip")));
    p.add(h2("h2 DATA after END_STREAM", H2Frames.get("/")).then(H2Frames.frame(0, 1, 1, one)));
    p.add(
        h2("h2 POST then empty DATA frames")
            .then(H2Frames.headers(1, 4, H2Frames.method("POST", "/")))
            .then(H2Frames.frame(0, 0, 1, new byte[0]))
            .then(H2Frames.frame(0, 0, 1, new byte[0]))
            .then(H2Frames.frame(0, 0, 1, new byte[0]))
            .then(H2Frames.frame(0, 1, 1, new byte[0])));
    p.add(h2("h2 PUSH_PROMISE from the client").then(H2Frames.frame(5, 4, 1, new byte[4])));
    byte[] get3 = H2Frames.headers(3, 0x25, H2Frames.get("/"));
    byte[] selfDependent = java.util.Arrays.copyOf(get3, get3.length + 5);
    System.arraycopy(get3, 9, selfDependent, 14, get3.length - 9);
    System.arraycopy(new byte[] {0, 0, 0, 3, 15}, 0, selfDependent, 9, 5);
    selfDependent[2] = (byte) (get3.length - 9 + 5);
    p.add(h2("h2 HEADERS depending on itself").then(selfDependent));
    p.add(
        h2("h2 max header table size 0")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 1, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    // A browser's SETTINGS name a header table size (Chrome's: 65536), and its requests follow.
    p.add(
        h2("h2 as a browser opens, three GETs")
            .then(
                H2Frames.frame(
                    4, 0, 0, new byte[] {0, 1, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 4, 0, 0x60, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .then(H2Frames.headers(3, 5, H2Frames.get("/style.css")))
            .then(H2Frames.headers(5, 5, H2Frames.get("/docs"))));
    p.add(
        h2("h2 initial window 0 then GET")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(
        h2("h2 initial window 0 then HEAD")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.method("HEAD", "/"))));
    p.add(
        h2("h2 initial window 0 then GET of a missing page")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/missing"))));
    p.add(
        h2("h2 initial window 0, two GETs")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .then(H2Frames.headers(3, 5, H2Frames.get("/style.css"))));
    p.add(
        h2("h2 initial window 0, GET, then PING")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .afterAnswer(H2Frames.frame(6, 0, 0, new byte[8])));
    p.add(
        h2("h2 initial window 0, GET, then WINDOW_UPDATE 100")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .afterAnswer(H2Frames.frame(8, 0, 1, new byte[] {0, 0, 0, 100})));
    p.add(
        h2("h2 initial window 0, GET, then SETTINGS")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .afterAnswer(H2Frames.frame(4, 0, 0, new byte[] {0, 3, 0, 0, 0, 100})));
    p.add(
        h2("h2 initial window 0, GET, then GET with HEAD")
            .then(H2Frames.frame(4, 0, 0, new byte[] {0, 4, 0, 0, 0, 0}))
            .then(H2Frames.headers(1, 5, H2Frames.get("/")))
            .afterAnswer(
                H2Frames.headers(
                    3,
                    5,
                    H2Frames.request(
                        ":method",
                        "HEAD",
                        ":scheme",
                        "https",
                        ":path",
                        "/style.css",
                        ":authority",
                        "localhost"))));
    Probe twenty = h2("h2 twenty GETs in one write");
    ByteBuf gets = Unpooled.buffer();
    String[] paths = {"/", "/style.css", "/docs/", "/missing", "/docs"};
    for (int i = 0; i < 20; i++) {
      gets.writeBytes(H2Frames.headers(1 + 2 * i, 5, H2Frames.get(paths[i % paths.length])));
    }
    p.add(twenty.then(ByteBufUtil.getBytes(gets)));
    gets.release();
    p.add(h2("h2 header with underscore", H2Frames.get("/", "x_under", "1")));
    p.add(h2("h2 cookie split in two", H2Frames.get("/", "cookie", "a=1", "cookie", "b=2")));
    p.add(h2("h2 two :authority", H2Frames.get("/", ":authority", "example.org")));
    p.add(h2("h2 host and :authority differ", H2Frames.get("/", "host", "example.org")));
    p.add(
        h2(
            "h2 bad :authority",
            H2Frames.request(
                ":method", "GET", ":authority", "a b", ":scheme", "https", ":path", "/")));
    // Frames over the 64 KiB a stranger's connection takes whole.
    byte[] big = new byte[100_000];
    p.add(
        h2("h2 DATA of 100 KB on an idle stream")
            .then(H2Frames.frame(0, 0, 1, big))
            .then(H2Frames.frame(6, 0, 0, eight)));
    p.add(
        h2("h2 POST with a DATA frame of 100 KB")
            .then(H2Frames.headers(1, 4, H2Frames.method("POST", "/")))
            .then(H2Frames.frame(0, 1, 1, big))
            .then(H2Frames.frame(6, 0, 0, eight)));
    p.add(
        h2("h2 unknown frame of 100 KB")
            .then(H2Frames.frame(0x42, 0, 0, big))
            .then(H2Frames.frame(6, 0, 0, eight)));
    p.add(
        h2("h2 HEADERS frame of 75 KB")
            .then(H2Frames.headers(1, 5, H2Frames.get("/", "x-big", "a".repeat(120_000)))));
    p.add(h2("h2 HEADERS frame of 100 KB of zeros").then(H2Frames.frame(1, 5, 1, big)));
    p.add(h2("h2 PING of 100 KB").then(H2Frames.frame(6, 0, 0, big)));
    p.add(
        h2("h2 GOAWAY of 100 KB, then GET")
            .then(H2Frames.frame(7, 0, 0, big))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    p.add(h2("h2 GOAWAY of 100 KB on stream 1").then(H2Frames.frame(7, 0, 1, big)));
    p.add(h2("h2 PUSH_PROMISE of 100 KB").then(H2Frames.frame(5, 4, 1, big)));
    p.add(h2("h2 SETTINGS of 100 KB").then(H2Frames.frame(4, 0, 0, new byte[99_996])));
    byte[] windowLast = new byte[99_996];
    windowLast[99_991] = 4;
    windowLast[99_995] = 1;
    p.add(
        h2("h2 SETTINGS of 100 KB ending in window 1, then GET")
            .then(H2Frames.frame(4, 0, 0, windowLast))
            .then(H2Frames.headers(1, 5, H2Frames.get("/"))));
    byte[] pushLast = new byte[99_996];
    pushLast[99_991] = 2;
    pushLast[99_995] = 2;
    p.add(
        h2("h2 SETTINGS of 100 KB ending in ENABLE_PUSH 2")
            .then(H2Frames.frame(4, 0, 0, pushLast)));
    p.add(h2("h2 SETTINGS of 100 KB on stream 1").then(H2Frames.frame(4, 0, 1, new byte[99_996])));
    p.add(h2("h2 SETTINGS ACK of 100 KB").then(H2Frames.frame(4, 1, 0, new byte[99_996])));
    p.add(h2("h2 SETTINGS of 100 KB and 1 byte").then(H2Frames.frame(4, 0, 0, new byte[99_997])));
    p.add(h2("h2 header of 10 KB", H2Frames.get("/", "x-big", "a".repeat(10_000))));
    p.add(h2("h2 header of 20 KB", H2Frames.get("/", "x-big", "a".repeat(20_000))));
    String six = "a".repeat(6_000);
    p.add(
        h2("h2 HEADERS frame of 19 KB before SETTINGS ACK")
            .then(
                H2Frames.headers(
                    1,
                    5,
                    H2Frames.get(
                        "/", "x-a", six, "x-b", six, "x-c", six, "x-d", six, "x-e", six))));
    p.add(
        h2(
            "h2 header list of 40 KB",
            H2Frames.get(
                "/",
                "x-a",
                "a".repeat(8_000),
                "x-b",
                "b".repeat(8_000),
                "x-c",
                "c".repeat(8_000),
                "x-d",
                "d".repeat(8_000),
                "x-e",
                "e".repeat(8_000))));
    p.add(h2("h2 lowercase method", H2Frames.method("get", "/")));
    p.add(h2("h2 content-length on GET", H2Frames.get("/", "content-length", "5")));
    p.add(h2("h2 content-length 0 on GET", H2Frames.get("/", "content-length", "00")));
    p.add(h2("h2 content-length abc on GET", H2Frames.get("/", "content-length", "abc")));
    p.add(
        h2(
            "h2 two content-lengths on GET",
            H2Frames.get("/", "content-length", "0", "content-length", "5")));
    p.add(h2("h2 content-length on HEAD", H2Frames.method("HEAD", "/", "content-length", "5")));
    p.add(
        h2(
            "h2 content-length on POST, no DATA",
            H2Frames.method("POST", "/", "content-length", "5")));
    // A HEAD refused once its method was read gets no body; one refused before that, the page.
    p.add(h2("h2 HEAD with two :path", H2Frames.method("HEAD", "/", ":path", "/a")));
    p.add(h2("h2 HEAD with an empty :path", H2Frames.method("HEAD", "")));
    p.add(
        h2(
            "h2 HEAD after an empty :path",
            H2Frames.request(
                ":path", "", ":method", "HEAD", ":scheme", "https", ":authority", "a")));
    p.add(h2("h2 HEAD of a missing file", H2Frames.method("HEAD", "/missing")));
    return p;
  }

  static Probe h2(String name, String[]... requests) {
    return Probe.tls(name, H2Frames.flight(requests)).alpn("h2", "http/1.1");
  }

  /** The first flight of a JDK TLS client offering only {@code alpn}. */
  static byte[] clientHello(String alpn) {
    try {
      javax.net.ssl.SSLEngine e = javax.net.ssl.SSLContext.getDefault().createSSLEngine();
      e.setUseClientMode(true);
      javax.net.ssl.SSLParameters p = e.getSSLParameters();
      p.setApplicationProtocols(new String[] {alpn});
      e.setSSLParameters(p);
      java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(64 * 1024);
      e.wrap(java.nio.ByteBuffer.allocate(0), out);
      out.flip();
      byte[] b = new byte[out.remaining()];
      out.get(b);
      return b;
    } catch (Exception ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** The nginx a probe is compared with. */
  static Nginx nginxFor(String probe) {
    return ALPN.contains(probe) || probe.startsWith("h2 ") ? nginxH2 : nginx;
  }

  static Map<String, Probe.Outcome[]> runAll(List<Probe> probes) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      Map<String, Future<Probe.Outcome>[]> running = new java.util.LinkedHashMap<>();
      for (Probe p : probes) {
        @SuppressWarnings("unchecked")
        Future<Probe.Outcome>[] f = new Future[2];
        f[0] = pool.submit(() -> p.run(relay.address()));
        f[1] = pool.submit(() -> p.run(nginxFor(p.name()).address()));
        if (running.put(p.name(), f) != null) {
          throw new IllegalArgumentException("two probes named " + p.name());
        }
      }
      Map<String, Probe.Outcome[]> out = new java.util.LinkedHashMap<>();
      for (var e : running.entrySet()) {
        out.put(e.getKey(), new Probe.Outcome[] {e.getValue()[0].get(), e.getValue()[1].get()});
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The Date header's value, and the server's own port in a redirect, are the only things allowed
   * to differ.
   */
  static String masked(Probe.Outcome o, InetSocketAddress server) {
    return ownPort(o.text().replaceAll("(?m)^Date: [^\r\n]*", "Date: (masked)"), server);
  }

  /** {@code text} with {@code server}'s own port, as a redirect names it, masked. */
  static String ownPort(String text, InetSocketAddress server) {
    return text.replace(":" + server.getPort() + "/", ":(port)/");
  }

  static List<OpenSslProbe> tlsProbes() {
    List<OpenSslProbe> p = new ArrayList<>();
    for (String group : List.of("X25519", "P-256", "P-384", "P-521", "X448", "ffdhe2048")) {
      p.add(new OpenSslProbe("TLS 1.3 group " + group, List.of("-tls1_3", "-groups", group)));
      p.add(new OpenSslProbe("TLS 1.2 group " + group, List.of("-tls1_2", "-groups", group)));
    }
    p.add(new OpenSslProbe("TLS 1.3 tickets", List.of("-tls1_3")));
    p.add(new OpenSslProbe("TLS 1.2 tickets", List.of("-tls1_2")));
    p.add(new OpenSslProbe("TLS 1.1", List.of("-tls1_1")));
    p.add(new OpenSslProbe("TLS 1.2 DHE suites only", List.of("-tls1_2", "-cipher", "DHE")));
    p.add(
        new OpenSslProbe(
            "TLS 1.2 RSA key exchange only", List.of("-tls1_2", "-cipher", "AES128-GCM-SHA256")));
    p.add(
        new OpenSslProbe(
            "TLS 1.3 CCM suite only",
            List.of("-tls1_3", "-ciphersuites", "TLS_AES_128_CCM_SHA256")));
    return p;
  }

  /** TLS-layer probes known to differ, and why; they are reported as skipped. */
  static final Map<String, String> KNOWN_TLS =
      Map.of(
          "TLS 1.3 tickets",
          "BoringSSL gives TLS 1.3 tickets its PSK-DHE lifetime (172800 s), which netty-tcnative"
              + " cannot set; TLS 1.2 tickets do say 300 s");

  /** Session tickets are compared by the probes about them only. */
  static String ticketsOnlyIfAsked(String probe, String outcome) {
    return probe.contains("tickets") ? outcome : outcome.replaceAll("session ticket[^\n]*\n", "");
  }

  /**
   * BoringSSL gives a TLS 1.2 ticket the session's time left, counted in whole seconds since the
   * session began: a handshake that spans a second's turn gets a hint of 299, not 300. It happens
   * to a few handshakes in a thousand and netty-tcnative cannot change it; OpenSSL (nginx) always
   * says 300. Read as 300 here, and named as a difference in the relay's notes.
   */
  static String secondsTicked(String relayOutcome) {
    return relayOutcome.replace("lifetime hint: 299\n", "lifetime hint: 300\n");
  }

  @TestFactory
  Stream<DynamicTest> theTlsLayerMatchesNginxs() throws Exception {
    assumeTrue(OpenSslProbe.installed(), "openssl is installed");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Map<String, Future<String>[]> running = new java.util.LinkedHashMap<>();
      for (OpenSslProbe p : tlsProbes()) {
        @SuppressWarnings("unchecked")
        Future<String>[] f = new Future[2];
        f[0] = pool.submit(() -> p.run(relay.address()));
        f[1] = pool.submit(() -> p.run(nginx.address()));
        running.put(p.name(), f);
      }
      List<DynamicTest> tests = new ArrayList<>();
      for (var e : running.entrySet()) {
        String relayO = e.getValue()[0].get();
        String nginxO = e.getValue()[1].get();
        tests.add(
            DynamicTest.dynamicTest(
                e.getKey(),
                () -> {
                  assumeFalse(KNOWN_TLS.containsKey(e.getKey()), KNOWN_TLS.get(e.getKey()));
                  assertThat(secondsTicked(ticketsOnlyIfAsked(e.getKey(), relayO)))
                      .as(e.getKey())
                      .isEqualTo(ticketsOnlyIfAsked(e.getKey(), nginxO));
                }));
      }
      return tests.stream();
    } finally {
      pool.shutdownNow();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyProbeGetsWhatNginxGives() {
    return outcomes.entrySet().stream()
        .map(
            e ->
                DynamicTest.dynamicTest(
                    e.getKey(),
                    () -> {
                      assumeFalse(KNOWN.containsKey(e.getKey()), KNOWN.get(e.getKey()));
                      Probe.Outcome relayO = e.getValue()[0];
                      Probe.Outcome nginxO = e.getValue()[1];
                      assertThat(relayO.handshake())
                          .as("%s: TLS handshake", e.getKey())
                          .isEqualTo(nginxO.handshake());
                      if (e.getKey().startsWith("h2 ")) {
                        assertThat(ownPort(H2Frames.describe(relayO.bytes()), relay.address()))
                            .as("%s: frames back", e.getKey())
                            .isEqualTo(
                                ownPort(H2Frames.describe(nginxO.bytes()), nginxH2.address()));
                      } else {
                        assertThat(masked(relayO, relay.address()))
                            .as("%s: bytes back", e.getKey())
                            .isEqualTo(masked(nginxO, nginxFor(e.getKey()).address()));
                      }
                      assertThat(relayO.end())
                          .as("%s: connection's end", e.getKey())
                          .isEqualTo(nginxO.end());
                      if (nginxO.endMillis() >= 0 && !UNTIMED.contains(e.getKey())) {
                        long slack = 600 + Math.max(relayO.endMillis(), nginxO.endMillis()) / 4;
                        assertThat(relayO.endMillis())
                            .as("%s: when it ended (nginx: %d ms)", e.getKey(), nginxO.endMillis())
                            .isBetween(nginxO.endMillis() - slack, nginxO.endMillis() + slack);
                      }
                    }));
  }
}
