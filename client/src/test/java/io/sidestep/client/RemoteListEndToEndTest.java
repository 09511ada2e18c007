package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.sidestep.client.lists.ListUpdater;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import io.sidestep.server.Relay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A list named by URL in the rules file, served by a real HTTPS origin on loopback (its own CA, the
 * name {@code lists.test}) and fetched by a real client through a real relay. Only the relay can
 * resolve {@code lists.test}: the client's resolver knows no name, so the direct path does not
 * exist and every fetch that works went through the relay. The client binds direct connections to
 * 127.0.0.2 and the relay connects from 127.0.0.1, so the origin's log shows the path too.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RemoteListEndToEndTest {

  static final String HOST = "lists.test";
  static final Ed25519PrivateKeyParameters KEY =
      new Ed25519PrivateKeyParameters(new SecureRandom());
  static final String PUB =
      Base64.getEncoder().encodeToString(KEY.generatePublicKey().getEncoded());

  @TempDir static Path relayState;
  @TempDir Path dir;

  static CertifiedKey originKey;
  static HttpsServer origin;
  static final Map<String, byte[]> served = new ConcurrentHashMap<>();
  static final List<String> originPeers = new CopyOnWriteArrayList<>();
  static final List<String> relayLookups = new CopyOnWriteArrayList<>();
  static Relay relay;
  static AccessKey key;

  FakeResolver resolver;
  Client client;

  @BeforeAll
  static void start() throws IOException {
    originKey = CertificateBuilder.subject("CN=" + HOST).dnsNames(HOST).selfSigned();
    origin = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    origin.setHttpsConfigurator(new HttpsConfigurator(KeyStores.sslContext(originKey, List.of())));
    origin.createContext("/", RemoteListEndToEndTest::serve);
    origin.setExecutor(Executors.newCachedThreadPool());
    origin.start();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .resolver(
                host -> {
                  relayLookups.add(host);
                  return host.equals(HOST)
                      ? CompletableFuture.completedFuture(List.of(IpLiterals.parse("127.0.0.1")))
                      : CompletableFuture.failedFuture(new UnknownHostException(host));
                })
            .ioThreads(1)
            .start();
    key = relay.addUser("alice");
  }

  static void serve(HttpExchange ex) throws IOException {
    try (ex) {
      originPeers.add(ex.getRemoteAddress().getAddress().getHostAddress());
      String path = ex.getRequestURI().getPath();
      if (path.equals("/to-http")) {
        ex.getResponseHeaders().set("Location", "http://" + HOST + "/list.txt");
        ex.sendResponseHeaders(302, -1);
        return;
      }
      if (path.equals("/moved")) {
        ex.getResponseHeaders().set("Location", "/list.txt");
        ex.sendResponseHeaders(301, -1);
        return;
      }
      byte[] body = served.get(path);
      if (body == null) {
        ex.sendResponseHeaders(404, -1);
        return;
      }
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @AfterAll
  static void stop() {
    relay.close();
    origin.stop(0);
  }

  @BeforeEach
  void reset() {
    served.clear();
    originPeers.clear();
    relayLookups.clear();
  }

  @org.junit.jupiter.api.AfterEach
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  static String url(String path) {
    return "https://" + HOST + ":" + origin.getAddress().getPort() + path;
  }

  static byte[] sign(byte[] content) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, KEY);
    s.update(content, 0, content.length);
    return s.generateSignature();
  }

  static void publish(String path, String list) {
    byte[] content = list.getBytes(StandardCharsets.UTF_8);
    served.put(path, content);
    served.put(path + ".sig", sign(content));
  }

  private Client startClient(Path state, String rules) throws IOException {
    Path rulesFile = dir.resolve("rules.txt");
    Files.writeString(rulesFile, rules);
    resolver = new FakeResolver();
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            .resolver(resolver)
            .directLocalAddress(IpLiterals.parse("127.0.0.2"))
            .stateDir(state)
            .rulesFile(rulesFile)
            .detectionTrust(KeyStores.trustManager(List.of(originKey.certificate())))
            .listTick(java.time.Duration.ZERO)
            .threads(2)
            .start();
    return client;
  }

  private ListUpdater lists() {
    return client.lists().orElseThrow();
  }

  private JsonNode api(String target) throws IOException {
    int port = client.httpAddress().getPort();
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("GET "
                  + target
                  + " HTTP/1.1\r\nHost: localhost:"
                  + port
                  + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      String text = got.toString(StandardCharsets.UTF_8);
      assertThat(text).startsWith("HTTP/1.1 200");
      return new ObjectMapper().readTree(text.substring(text.indexOf("\r\n\r\n") + 4));
    }
  }

  @Test
  void aSignedListFetchedThroughTheRelayRoutesItsHosts() throws IOException {
    publish("/list.txt", "# blocked here\nblocked.example\n.news.example\n");
    startClient(
        dir.resolve("state"),
        "RULE-SET," + url("/list.txt") + ",RELAY,pubkey=" + PUB + "\nMATCH,DIRECT\n");
    assertThat(api("/api/explain?host=blocked.example").get("action").asText())
        .as("no copy yet: the rule matches nothing")
        .isEqualTo("DIRECT");

    assertThat(lists().tick()).isEqualTo(1);

    ListUpdater.Status status = lists().statuses().get(0);
    assertThat(status.ok()).as(status.message()).isTrue();
    assertThat(status.message()).contains("2 entries").contains("signature good");
    JsonNode explain = api("/api/explain?host=www.news.example");
    assertThat(explain.get("action").asText()).isEqualTo("RELAY");
    assertThat(explain.get("reason").asText()).contains(url("/list.txt") + " [fetched ");
    assertThat(api("/api/explain?host=open.example").get("action").asText()).isEqualTo("DIRECT");
    assertThat(originPeers)
        .as("the list and its signature came through the relay, never direct")
        .containsExactly("127.0.0.1", "127.0.0.1");
    assertThat(relayLookups).contains(HOST);
    assertThat(resolver.asked()).as("the client never looked the list's host up").isEmpty();

    JsonNode rules = api("/api/rules");
    assertThat(rules.at("/urlLists/0/url").asText()).isEqualTo(url("/list.txt"));
    assertThat(rules.at("/urlLists/0/ok").asBoolean()).isTrue();
    assertThat(rules.at("/urlLists/0/fetched").asText()).isNotEmpty();
  }

  @Test
  void aTamperedListWithTheOldSignatureKeepsTheOldCopy() throws IOException {
    publish("/list.txt", "blocked.example\n");
    Path state = dir.resolve("state");
    startClient(
        state, "RULE-SET," + url("/list.txt") + ",RELAY,pubkey=" + PUB + "\nMATCH,DIRECT\n");
    assertThat(lists().tick()).isEqualTo(1);
    Path copy = new ListCache(state).file(url("/list.txt"));
    byte[] good = Files.readAllBytes(copy);

    served.put("/list.txt", "evil.example\n".getBytes(StandardCharsets.UTF_8));
    ListUpdater.Status status = lists().update(only());

    assertThat(status.ok()).isFalse();
    assertThat(status.message())
        .contains("signature does not match")
        .contains("keeping the copy fetched at");
    assertThat(Files.readAllBytes(copy)).isEqualTo(good);
    client.reloadRules();
    assertThat(api("/api/explain?host=evil.example").get("action").asText()).isEqualTo("DIRECT");
    assertThat(api("/api/explain?host=blocked.example").get("action").asText()).isEqualTo("RELAY");
  }

  private io.sidestep.core.rules.RemoteList only() throws IOException {
    return io.sidestep.core.rules.Rules.load(
            dir.resolve("rules.txt"), null, new ListCache(dir.resolve("state")))
        .remoteLists()
        .get(0);
  }

  @Test
  void aFailedFetchAtStartUsesTheStoredCopy() throws IOException {
    Path state = dir.resolve("state");
    String missing = url("/gone.txt");
    new ListCache(state).store(missing, "blocked.example\n".getBytes(StandardCharsets.UTF_8));
    startClient(state, "RULE-SET," + missing + ",RELAY,interval=5m\nMATCH,DIRECT\n");
    assertThat(api("/api/explain?host=blocked.example").get("action").asText())
        .as("the stored copy applies from the start")
        .isEqualTo("RELAY");

    ListUpdater.Status status = lists().update(only());

    assertThat(status.ok()).isFalse();
    assertThat(status.message()).contains("HTTP 404").contains("keeping the copy fetched at");
    assertThat(api("/api/explain?host=blocked.example").get("action").asText()).isEqualTo("RELAY");
    assertThat(api("/api/rules").at("/urlLists/0/ok").asBoolean()).isFalse();
  }

  @Test
  void anAnswerOverItsSizeLimitIsRefused() throws IOException {
    publish("/list.txt", "blocked.example\n");
    served.put("/list.txt.sig", new byte[8192]);
    startClient(
        dir.resolve("state"),
        "RULE-SET," + url("/list.txt") + ",RELAY,pubkey=" + PUB + "\nMATCH,DIRECT\n");
    assertThat(lists().tick()).isEqualTo(1);
    ListUpdater.Status s = lists().statuses().get(0);
    assertThat(s.ok()).isFalse();
    assertThat(s.message()).contains("larger than the limit of 4096 bytes");
    assertThat(new ListCache(dir.resolve("state")).fetchedAt(url("/list.txt"))).isEmpty();
  }

  @Test
  void redirectsAreFollowedToHttpsOnly() throws IOException {
    publish("/list.txt", "blocked.example\n");
    startClient(
        dir.resolve("state"),
        "RULE-SET," + url("/moved") + ",RELAY\nRULE-SET," + url("/to-http") + ",RELAY\n");
    assertThat(lists().tick()).isEqualTo(2);
    List<ListUpdater.Status> s = lists().statuses();
    assertThat(s.get(0).ok()).as(s.get(0).message()).isTrue();
    assertThat(s.get(1).ok()).isFalse();
    assertThat(s.get(1).message()).contains("refused (expected: https only)");
  }
}
