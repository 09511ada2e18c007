package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.Client;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open site never reaches the relay: a plain-HTTP answer is compared with the relay's only when
 * it could be a censor's. The client goes direct from 127.0.0.2 and the relay from 127.0.0.1, so
 * the origin's own record of each request's peer shows which path brought it. Every name resolves
 * to the origin; there is no censor, so nothing is ever learned.
 */
@Timeout(60)
class PrivateComparisonTest {

  static final String DIRECT_SOURCE = "127.0.0.2";
  static final String RELAY_SOURCE = "127.0.0.1";

  @TempDir static Path tmp;
  static TestOrigin http;
  static FakeDnsServer dns;
  static Relay relay;
  static AccessKey key;
  static Client client;
  static LogCapture connections;

  @BeforeAll
  static void start() throws Exception {
    http = TestOrigin.http();
    dns = FakeDnsServer.start();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(tmp.resolve("relay"))
            .allowDestination(Cidr.parse("127.0.0.1/32"))
            .resolver(
                host ->
                    java.util.concurrent.CompletableFuture.completedFuture(
                        List.of(InetAddress.getLoopbackAddress())))
            .start();
    key = relay.addUser("alice");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            .resolver(
                new io.sidestep.client.dial.internal.DnsServerResolver(
                    new InetSocketAddress("127.0.0.1", dns.port())))
            .directLocalAddress(InetAddress.getByName(DIRECT_SOURCE))
            .stateDir(tmp.resolve("state"))
            .detection(CensoredLoopback.settings())
            .start();
    connections = LogCapture.of("io.sidestep.client.connection");
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, relay, dns, http, connections}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  /** The peers the origin saw for {@code host}, in order. */
  static List<String> peers(String host) {
    return http.requests().stream()
        .filter(r -> host.equals(stripPort(r.header("host"))))
        .map(r -> r.peer().getAddress().getHostAddress())
        .toList();
  }

  private static String stripPort(String h) {
    return h == null ? "" : h.replaceFirst(":\\d+$", "");
  }

  static String get(String host, String path) throws IOException {
    dns.answer(host, "127.0.0.1");
    return DetectionIntegrationTest.socksGet(client, host, http.port(), path);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  static void assertLearnedNothing(String host) {
    assertThat(new LearnedStore(tmp.resolve("state"), Clock.systemUTC()).find(host)).isEmpty();
  }

  @Test
  void anOpenSiteNeverReachesTheRelay() throws Exception {
    assertThat(get("open.example", "/page")).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    assertThat(peers("open.example"))
        .as("the origin's log: one request, direct; none from the relay")
        .containsExactly(DIRECT_SOURCE);
    assertLearnedNothing("open.example");
  }

  @Test
  void aRedirectWithinTheSameSiteNeverReachesTheRelay() throws Exception {
    assertThat(get("www.shop.example", "/redirect?to=" + enc("http://cdn.shop.example/x")))
        .startsWith("HTTP/1.1 302");
    assertThat(get("plain.example", "/redirect?to=" + enc("https://plain.example/")))
        .as("http to https on the same host")
        .startsWith("HTTP/1.1 302");
    assertThat(peers("www.shop.example")).containsExactly(DIRECT_SOURCE);
    assertThat(peers("plain.example")).containsExactly(DIRECT_SOURCE);
  }

  @Test
  void aRedirectToAnotherSiteIsCompared() throws Exception {
    assertThat(get("cross.example", "/redirect?to=" + enc("http://elsewhere.example/")))
        .startsWith("HTTP/1.1 302");
    assertThat(peers("cross.example"))
        .as("compared: the same request through the relay")
        .containsExactly(DIRECT_SOURCE, RELAY_SOURCE);
    assertLearnedNothing("cross.example");
  }

  @Test
  void aRedirectToAnAddressIsCompared() throws Exception {
    get("toaddress.example", "/redirect?to=" + enc("http://192.0.2.1/"));
    assertThat(peers("toaddress.example")).containsExactly(DIRECT_SOURCE, RELAY_SOURCE);
  }

  @Test
  void clientAndServerErrorsAreCompared() throws Exception {
    assertThat(get("forbidden.example", "/status?code=403")).startsWith("HTTP/1.1 403");
    assertThat(get("failing.example", "/status?code=502")).startsWith("HTTP/1.1 502");
    assertThat(peers("forbidden.example")).containsExactly(DIRECT_SOURCE, RELAY_SOURCE);
    assertThat(peers("failing.example")).containsExactly(DIRECT_SOURCE, RELAY_SOURCE);
    assertLearnedNothing("forbidden.example");
  }

  @Test
  void blockingWordsInAnyOfThreeLanguagesAreCompared() throws Exception {
    String[] pages = {
      "This page is blocked.", "Доступ к ресурсу ограничен", "Бұл сайт бұғатталған"
    };
    for (int i = 0; i < pages.length; i++) {
      String host = "words" + i + ".example";
      assertThat(get(host, "/text?t=" + enc(pages[i]))).startsWith("HTTP/1.1 200");
      assertThat(peers(host)).as(pages[i]).containsExactly(DIRECT_SOURCE, RELAY_SOURCE);
      assertLearnedNothing(host);
    }
  }

  @Test
  void withCompareNeverASuspectPageIsShownAsItCameWithANote() throws Exception {
    try (Client never =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            .resolver(
                new io.sidestep.client.dial.internal.DnsServerResolver(
                    new InetSocketAddress("127.0.0.1", dns.port())))
            .directLocalAddress(InetAddress.getByName(DIRECT_SOURCE))
            .stateDir(tmp.resolve("never"))
            .detection(CensoredLoopback.settings().withCompare(DetectionSettings.Compare.NEVER))
            .start()) {
      dns.answer("never.example", "127.0.0.1");
      String response =
          DetectionIntegrationTest.socksGet(
              never, "never.example", http.port(), "/text?t=" + enc("This site is blocked."));
      assertThat(response)
          .startsWith("HTTP/1.1 200")
          .contains(UncheckedNote.NOTE + "This site is blocked.");
      assertThat(peers("never.example"))
          .as("no comparison at all: nothing from the relay")
          .containsExactly(DIRECT_SOURCE);
      assertThat(new LearnedStore(tmp.resolve("never"), Clock.systemUTC()).find("never.example"))
          .isEmpty();
    }
  }

  @Test
  void aBackendSlowForEveryoneLoadsAndIsNotLearned() throws Exception {
    // 5 s for everyone, past the 1.5 s first-read timeout: the relay races the direct path.
    int mark = connections.lines().size();
    assertThat(get("slow.example", "/slow?ms=5000"))
        .startsWith("HTTP/1.1 200")
        .endsWith(TestOrigin.BODY);
    assertThat(get("slow.example", "/page")).endsWith(TestOrigin.BODY);
    assertThat(get("slow.example", "/slow?ms=5000"))
        .as("verified now, so watched for a first byte only; slow all the same")
        .endsWith(TestOrigin.BODY);
    connections.await(
        m -> m.contains("dest=slow.example") && m.contains("slow site"), Duration.ofSeconds(5));
    assertThat(connections.lines().subList(mark, connections.lines().size()))
        .filteredOn(m -> m.contains("dest=slow.example"))
        .noneMatch(m -> m.contains("detected"));
    assertLearnedNothing("slow.example");
  }

  @Test
  void aDirectAnswerSoonAfterTheRelaysIsASlowSiteToo() throws Exception {
    // Direct: 5 s. The relay, asked after the 1.5 s timeout, answers 3 s later, at 4.5 s; the
    // direct answer comes 0.5 s after it, within the 1 s margin.
    try (LogCapture detection = LogCapture.of(Detection.class)) {
      assertThat(get("slower.example", "/slow?ms=5000&peer=" + RELAY_SOURCE + "&peerMs=3000"))
          .startsWith("HTTP/1.1 200")
          .endsWith(TestOrigin.BODY);
      detection.await(
          m -> m.startsWith("not learned slower.example: slow site"), Duration.ofSeconds(5));
      assertThat(detection.lines()).noneMatch(m -> m.startsWith("learned slower.example"));
    }
    assertLearnedNothing("slower.example");
  }
}
