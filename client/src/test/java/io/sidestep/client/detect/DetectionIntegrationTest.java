package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.client.Client;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.testing.CensorBox;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection through the real client, with a real relay, on loopback. The lying resolver sends the
 * direct path to a censor box on 127.0.0.2 (same port as the origin), which resets or goes silent
 * after a ClientHello or request naming a listed host; the relay resolves every name to the real
 * origin on 127.0.0.1, as it would from abroad.
 */
@Timeout(120)
class DetectionIntegrationTest {

  @TempDir static Path tmp;
  static CensoredLoopback net;
  static TestOrigin https;
  static TestOrigin http;
  static CensorBox censorTls;
  static FakeDnsServer dns;
  static Path state;
  static Client client;
  static SSLContext trustOrigin;
  static int closedPort;
  static LogCapture connections;
  static LogCapture learnedLog;

  @BeforeAll
  static void start() throws Exception {
    net = new CensoredLoopback(tmp);
    https = net.https;
    http = net.http;
    censorTls = net.censorTls;
    dns = net.dns;
    closedPort = net.closedPort;
    state = tmp.resolve("state");
    // The command line's own assembly: rules (here only the learned blocklist) and detection.
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(net.key)
            .resolver(net.resolver())
            .stateDir(state)
            .detection(CensoredLoopback.settings())
            .detectionTrust(net.trust())
            .start();
    trustOrigin = https.clientContext();
    connections = LogCapture.of("io.sidestep.client.connection");
    learnedLog = LogCapture.of(Detection.class);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, net, connections, learnedLog}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  /** One visit with a fresh client (no connection reuse), through the HTTP door. */
  static HttpResponse<String> visit(String host, int port) throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(client.httpAddress()))
            .sslContext(trustOrigin)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    return c.send(
        HttpRequest.newBuilder(URI.create("https://" + host + ":" + port + "/page"))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static LearnedStore.Entry awaitLearned(String host) throws InterruptedException {
    LearnedStore store = new LearnedStore(state, Clock.systemUTC());
    for (int i = 0; i < 200; i++) {
      var e = store.find(host);
      if (e.isPresent()) {
        return e.get();
      }
      Thread.sleep(25);
    }
    throw new AssertionError(host + " was not learned");
  }

  static void awaitLogLine(java.util.function.Predicate<String> p) throws InterruptedException {
    connections.await(p, Duration.ofSeconds(5));
  }

  /**
   * Asserts that nothing was learned about {@code host}, right after a visit: detection learns in
   * memory, and logs it, before the user gets a byte or an error, so the log line that would prove
   * the opposite is already there if it is ever going to be.
   */
  static void assertLearnedNothing(String host) {
    assertThat(learnedLog.lines())
        .as("detection's log")
        .noneMatch(m -> m.startsWith("learned " + host + ":"));
    assertThat(learned(host)).isFalse();
  }

  static boolean learned(String host) {
    return new LearnedStore(state, Clock.systemUTC()).find(host).isPresent();
  }

  static long seen(CensorBox box, String host) {
    return box.seen().stream().filter(host::equals).count();
  }

  @Test
  void resetAfterClientHelloLoadsThroughTheRelayAndIsLearned() throws Exception {
    HttpResponse<String> first = visit("reset.example", https.port());
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("reset.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_RESET);
    assertThat(learnedLog.lines())
        .as("what assertLearnedNothing looks for is logged")
        .anyMatch(m -> m.startsWith("learned reset.example:"));
    assertThat(e.evidence().text())
        .isEqualTo("reset after ClientHello, 0 bytes read, relay handshake ok");
    assertThat(
            new String(
                java.nio.file.Files.readAllBytes(state.resolve("learned.rules")),
                StandardCharsets.UTF_8))
        .contains(
            "DOMAIN,reset.example,RELAY # technique=7 tls-reset; evidence=reset after ClientHello");

    long censorSaw = seen(censorTls, "reset.example");
    int asked = dns.questions().size();
    HttpResponse<String> second = visit("reset.example", https.port());
    assertThat(second.body()).isEqualTo(TestOrigin.BODY);
    assertThat(seen(censorTls, "reset.example"))
        .as("the second visit goes straight to the relay")
        .isEqualTo(censorSaw);
    assertThat(dns.questions().stream().skip(asked))
        .as("no DNS leak once relayed")
        .doesNotContain("reset.example");
  }

  @Test
  void eofAfterClientHelloIsTechnique7Too() throws Exception {
    assertThat(visit("eof.example", https.port()).body()).isEqualTo(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("eof.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_RESET);
    assertThat(e.evidence().text()).startsWith("EOF after ClientHello");
  }

  @Test
  void silenceAfterClientHelloLoadsThroughTheRelayAndIsLearned() throws Exception {
    HttpResponse<String> first = visit("silent.example", https.port());
    assertThat(first.body()).isEqualTo(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("silent.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_SILENCE);
    assertThat(e.evidence().text())
        .isEqualTo("no byte 1500 ms after ClientHello, relay handshake ok");
  }

  @Test
  void aLyingResolverIsCaughtByTheRelaysDnsAndNeverAskedAgain() throws Exception {
    HttpResponse<String> first = visit("lied.example", https.port());
    assertThat(first.body()).isEqualTo(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("lied.example");
    assertThat(e.technique()).isEqualTo(Technique.DNS_NXDOMAIN);
    assertThat(e.evidence().text()).isEqualTo("local resolver: NXDOMAIN, relay resolves 127.0.0.1");
    int asked = dns.questions().size();
    assertThat(visit("lied.example", https.port()).body()).isEqualTo(TestOrigin.BODY);
    assertThat(dns.questions().stream().skip(asked)).doesNotContain("lied.example");
  }

  @Test
  void anOpenSiteLoadsDirectAndLearnsNothing() throws Exception {
    HttpResponse<String> r = visit("open.example", https.port());
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertThat(https.lastRequest().peer().getAddress().getHostAddress())
        .as("it came through the censor box, which forwards it: the direct path")
        .isEqualTo("127.0.0.1");
    assertThat(seen(censorTls, "open.example")).isPositive();
    assertLearnedNothing("open.example");
  }

  @Test
  void interceptionIsCaughtBeforeTheUsersBytesAndTheRelayServesThePage() throws Exception {
    // The direct path presents a chain from "C=KZ, CN=Qaznet Trust Network"; the user's client
    // trusts only the real CA, so any byte of the direct path would be a certificate error.
    HttpResponse<String> r = visit("mitm.example", https.port());
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertThat(net.forged.requests()).as("the interceptor never saw the user's request").isEmpty();
    LearnedStore.Entry e = awaitLearned("mitm.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_MITM);
    assertThat(e.evidence().text())
        .contains("issued by interception CA 'C=KZ,CN=Qaznet Trust Network'")
        .endsWith("relay chain validates");
  }

  @Test
  void aCopiedLeafUnderAnInstalledRootIsCaughtByComparingWithTheRelaysLeaf() throws Exception {
    HttpResponse<String> r = visit("installed.example", https.port());
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertThat(net.installedForged.requests()).isEmpty();
    LearnedStore.Entry e = awaitLearned("installed.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_MITM);
    assertThat(e.evidence().text())
        .startsWith(
            "leaf copies the relay's names with another key and issuer 'Friendly Security Root'");
  }

  @Test
  void aCertificateBrokenForEveryoneIsNotLearned() throws Exception {
    assertThatThrownBy(() -> visit("broken.example", net.broken.port()))
        .isInstanceOf(IOException.class);
    assertLearnedNothing("broken.example");
  }

  @Test
  void atExpiryAHostIsCheckedDirectAgainDroppedIfItWorksRenewedIfNot() throws Exception {
    // Entries learned eight days ago: expired, so the router sends both hosts to detection again.
    LearnedStore old =
        new LearnedStore(
            state, Clock.fixed(Instant.now().minus(Duration.ofDays(8)), ZoneOffset.UTC));
    Evidence then =
        new Evidence(
            Technique.TLS_RESET,
            "reset after ClientHello, 0 bytes read",
            Instant.now().minus(Duration.ofDays(8)));
    old.learn("recheck.example", then);
    old.learn("still-blocked.example", then);
    client.reloadRules();

    assertThat(visit("recheck.example", https.port()).body()).isEqualTo(TestOrigin.BODY);
    assertThat(visit("still-blocked.example", https.port()).body()).isEqualTo(TestOrigin.BODY);
    LearnedStore store = new LearnedStore(state, Clock.systemUTC());
    for (int i = 0; i < 200 && store.find("recheck.example").isPresent(); i++) {
      Thread.sleep(25);
    }
    assertThat(store.find("recheck.example")).as("direct works again: dropped").isEmpty();
    for (int i = 0;
        i < 200
            && store.find("still-blocked.example").orElseThrow().expires().isBefore(Instant.now());
        i++) {
      Thread.sleep(25);
    }
    assertThat(store.find("still-blocked.example").orElseThrow().expires())
        .as("still blocked: renewed")
        .isAfter(Instant.now().plus(Duration.ofDays(6)));
  }

  @Test
  void aSiteDownEverywhereLearnsNothing() {
    assertThatThrownBy(() -> visit("down.example", closedPort)).isInstanceOf(IOException.class);
    assertThat(learned("down.example")).isFalse();
  }

  @Test
  void theCheckedCertificateIsRememberedSoTheNextVisitCostsNoExtraHandshake() throws Exception {
    visit("open.example", https.port());
    int before = https.requests().size();
    long hellos = seen(censorTls, "open.example");
    visit("open.example", https.port());
    assertThat(https.requests()).hasSize(before + 1);
    assertThat(seen(censorTls, "open.example"))
        .as("one connection: the user's own, no second handshake of ours")
        .isEqualTo(hellos + 1);
  }

  @Test
  void aResetAfterAPlainHttpGetIsReplayedThroughTheSocksDoor() throws Exception {
    String response = socksHttp("plain-reset.example", http.port(), "GET");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("plain-reset.example");
    assertThat(e.technique()).isEqualTo(Technique.HTTP_RESET);
    assertThat(e.evidence().text())
        .isEqualTo("reset after GET request, 0 bytes read, relay answered the GET request");
    awaitLogLine(m -> m.contains("dest=plain-reset.example") && m.contains("route=relay"));
    assertThat(connections.lines())
        .as("the connection's log line says what was detected")
        .anyMatch(
            m ->
                m.contains("dest=plain-reset.example")
                    && m.contains("route=relay")
                    && m.contains(
                        "notes=\"detected technique=9 http-reset; evidence=reset after GET"
                            + " request, 0 bytes read; relay answered the GET request\""));
  }

  @Test
  void anInjectedBlockPageIsReplacedByTheRelaysAnswerAndLearned() throws Exception {
    String response = socksHttp("blockpage.example", http.port(), "GET", "/bytes?n=5000");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith("x".repeat(5000));
    assertThat(response).doesNotContain("Access restricted");
    LearnedStore.Entry e = awaitLearned("blockpage.example");
    assertThat(e.technique()).isEqualTo(Technique.HTTP_BLOCKPAGE);
    assertThat(e.evidence().text())
        .contains("direct 200, 79 bytes, title 'Access restricted'")
        .contains("no shared title word");
    long seen = seen(net.censorHttp, "blockpage.example");
    assertThat(socksHttp("blockpage.example", http.port(), "GET", "/bytes?n=5000"))
        .endsWith("x".repeat(5000));
    assertThat(seen(net.censorHttp, "blockpage.example")).isEqualTo(seen);
  }

  @Test
  void aDownloadFarSlowerThanThroughTheRelayIsLearnedAsThrottled() throws Exception {
    // 400 kB at about 100 kB/s direct; the relay fetches the same at loopback speed.
    String response = socksHttp("throttle.example", http.port(), "GET", "/bytes?n=400000");
    assertThat(response).endsWith("x".repeat(1000));
    LearnedStore.Entry e = awaitLearned("throttle.example");
    assertThat(e.technique()).isEqualTo(Technique.THROTTLED);
    assertThat(e.evidence().text()).startsWith("direct ").contains(" kB/s vs relay ");
  }

  @Test
  void anOpenPlainHttpSiteIsServedDirectAndNeverCompared() throws Exception {
    int first = http.requests().size();
    String response = socksHttp("open.example", http.port(), "GET");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    assertLearnedNothing("open.example");
    assertThat(http.requests())
        .as("an ordinary 200 is not compared: the first visit is one request, direct")
        .hasSize(first + 1);
    int before = http.requests().size();
    socksHttp("open.example", http.port(), "GET");
    assertThat(http.requests()).as("the second visit is one request, direct").hasSize(before + 1);
    assertThat(http.lastRequest().peer().getAddress().getHostAddress()).isEqualTo("127.0.0.1");
  }

  @Test
  void silenceForeverAfterAPlainHttpGetIsStillLearned() throws Exception {
    String response = socksHttp("plain-silent.example", http.port(), "GET");
    assertThat(response).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    LearnedStore.Entry e = awaitLearned("plain-silent.example");
    assertThat(e.technique()).isEqualTo(Technique.HTTP_RESET);
    assertThat(e.evidence().text())
        .isEqualTo("no byte 1500 ms after GET request, relay answered the GET request");
  }

  @Test
  void aBackendSlowForEveryoneOverHttpsLoadsAndIsNotLearned() throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(client.httpAddress()))
            .sslContext(trustOrigin)
            .build();
    HttpResponse<String> r =
        c.send(
            HttpRequest.newBuilder(
                    URI.create("https://open.example:" + https.port() + "/slow?ms=5000"))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertLearnedNothing("open.example");
  }

  @Test
  void aPostIsNeverReplayedButTheNextAttemptGoesThroughTheRelay() throws Exception {
    int before = http.requests().size();
    assertThatThrownBy(() -> socksHttp("post.example", http.port(), "POST"))
        .isInstanceOf(IOException.class);
    assertThat(http.requests()).as("the POST reached the origin by no path").hasSize(before);
    LearnedStore.Entry e = awaitLearned("post.example");
    assertThat(e.evidence().text())
        .isEqualTo("reset after POST request, 0 bytes read, relay connect ok");
    assertThat(socksHttp("post.example", http.port(), "POST")).startsWith("HTTP/1.1 200");
  }

  /** A request over the SOCKS5 door, answered in full (the origin closes after it). */
  static String socksHttp(String host, int port, String method) throws IOException {
    return socksHttp(host, port, method, "/page");
  }

  static String socksHttp(String host, int port, String method, String path) throws IOException {
    return socksHttp(client, host, port, method, path);
  }

  /** A GET over {@code via}'s SOCKS5 door, answered in full. */
  static String socksGet(Client via, String host, int port, String path) throws IOException {
    return socksHttp(via, host, port, "GET", path);
  }

  static String socksHttp(Client client, String host, int port, String method, String path)
      throws IOException {
    try (Socket s = new Socket()) {
      s.connect(client.socksAddress(), 5000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      out.write(new byte[] {5, 1, 0});
      if (in.readNBytes(2)[1] != 0) {
        throw new IOException("no auth refused");
      }
      byte[] h = host.getBytes(StandardCharsets.US_ASCII);
      out.write(new byte[] {5, 1, 0, 3, (byte) h.length});
      out.write(h);
      out.write(new byte[] {(byte) (port >> 8), (byte) port});
      byte[] reply = in.readNBytes(10);
      if (reply.length < 2 || reply[1] != 0) {
        throw new IOException("SOCKS reply " + (reply.length < 2 ? "none" : reply[1]));
      }
      String body = method.equals("POST") ? "a=1" : "";
      out.write(
          (method
                  + " "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nConnection: close\r\n"
                  + (body.isEmpty() ? "" : "Content-Length: " + body.length() + "\r\n")
                  + "\r\n"
                  + body)
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      byte[] all = in.readAllBytes();
      if (all.length == 0) {
        throw new IOException("closed without an answer");
      }
      return new String(all, StandardCharsets.UTF_8);
    }
  }
}
