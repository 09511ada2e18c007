package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.client.Client;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.TestOrigin;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --never-direct} and NEVER-DIRECT rules on the censored loopback: the site is reached
 * through a real relay, and neither the local resolver (the fake DNS server's log) nor the censor
 * on the direct path (what it saw) ever hears of it. With no relay the connection fails and says
 * why. Each test uses names of its own, so the shared logs answer for that test alone.
 */
@Timeout(120)
class NeverDirectIntegrationTest {

  @TempDir static Path tmp;
  static CensoredLoopback net;
  static Client flagged;
  static Client ruled;
  static Client noRelay;

  @BeforeAll
  static void start() throws Exception {
    net = new CensoredLoopback(tmp);
    flagged = client("flagged").relay(net.key).neverDirect(true).start();
    Path rules = tmp.resolve("rules.txt");
    Files.writeString(
        rules,
        "DOMAIN-SUFFIX,silent.example,NEVER-DIRECT\nDOMAIN,plain-silent.example,never-direct\n");
    ruled = client("ruled").relay(net.key).rulesFile(rules).start();
    noRelay = client("no-relay").neverDirect(true).start();
  }

  private static Client.Builder client(String name) throws Exception {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .resolver(net.resolver())
        .stateDir(tmp.resolve(name))
        .detection(CensoredLoopback.settings())
        .detectionTrust(net.trust());
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {flagged, ruled, noRelay, net}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private static HttpResponse<String> get(Client via, String url) throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(via.httpAddress()))
            .sslContext(net.https.clientContext())
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    return c.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertNeverTriedDirect(String host) {
    assertThat(net.dns.wasAsked(host)).as("the local resolver was asked for " + host).isFalse();
    assertThat(net.censorTls.seen()).as("the censor on the direct path").doesNotContain(host);
    assertThat(net.censorHttp.seen()).as("the censor on the direct path").doesNotContain(host);
  }

  @Test
  void theFlagSendsAnUnnamedSiteThroughTheRelayAtTheHttpDoor() throws Exception {
    HttpResponse<String> r = get(flagged, "https://reset.example:" + net.https.port() + "/page");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(TestOrigin.BODY);
    assertNeverTriedDirect("reset.example");
  }

  @Test
  void theFlagSendsAnUnnamedSiteThroughTheRelayAtTheSocksDoor() throws Exception {
    String answer =
        DetectionIntegrationTest.socksGet(
            flagged, "plain-reset.example", net.http.port(), "/socks");
    assertThat(answer).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    assertNeverTriedDirect("plain-reset.example");
  }

  @Test
  void aNeverDirectRuleCoversTheSitesItNamesAndNoOthers() throws Exception {
    String answer =
        DetectionIntegrationTest.socksGet(ruled, "plain-silent.example", net.http.port(), "/r");
    assertThat(answer).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    HttpResponse<String> r = get(ruled, "https://silent.example:" + net.https.port() + "/page");
    assertThat(r.statusCode()).isEqualTo(200);
    assertNeverTriedDirect("plain-silent.example");
    assertNeverTriedDirect("silent.example");
    assertThat(DetectionIntegrationTest.socksGet(ruled, "open.example", net.http.port(), "/o"))
        .endsWith(TestOrigin.BODY);
    assertThat(net.dns.wasAsked("open.example"))
        .as("a site no rule names is still tried direct without the flag")
        .isTrue();
  }

  @Test
  void withNoRelayTheHttpDoorSaysSoAndNothingIsTriedDirect() throws Exception {
    HttpResponse<String> r = get(noRelay, "http://eof.example:" + net.http.port() + "/page");
    assertThat(r.statusCode()).isEqualTo(502);
    assertThat(r.body())
        .startsWith("Sidestep could not reach eof.example:" + net.http.port() + ": ")
        .contains("no relay could be used")
        .contains("never-direct: not tried direct, nor looked up locally")
        .contains("Route: NEVER-DIRECT, no rule: --never-direct, only through a relay");
    assertNeverTriedDirect("eof.example");
  }

  @Test
  void withNoRelayTheSocksDoorRefusesAndNothingIsTriedDirect() {
    assertThatThrownBy(
            () ->
                DetectionIntegrationTest.socksGet(
                    noRelay, "down.example", net.https.port(), "/page"))
        .hasMessage("SOCKS reply 1");
    assertNeverTriedDirect("down.example");
  }

  @Test
  void withEveryRelayDownTheConnectionFailsAndNothingIsTriedDirect() throws Exception {
    AccessKey down =
        new AccessKey(
            net.key.user(),
            net.key.token(),
            Destination.of("127.0.0.1", net.closedPort),
            net.key.pin(),
            "down");
    try (Client c = client("relay-down").relay(down).neverDirect(true).start()) {
      HttpResponse<String> r = get(c, "http://throttle.example:" + net.http.port() + "/page");
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body())
          .contains("no relay could be used")
          .contains("never-direct: not tried direct, nor looked up locally")
          .contains("Route: NEVER-DIRECT");
      assertThatThrownBy(
              () -> DetectionIntegrationTest.socksGet(c, "slow.example", net.https.port(), "/"))
          .hasMessage("SOCKS reply 1");
    }
    assertNeverTriedDirect("throttle.example");
    assertNeverTriedDirect("slow.example");
  }
}
