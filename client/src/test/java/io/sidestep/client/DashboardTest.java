package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's API against a running client, and its defences on localhost. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardTest {

  @TempDir static Path dir;
  static DashboardFixture f;
  static String token;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    f = new DashboardFixture(dir);
    String page = f.raw("GET", "/", "Host: localhost:" + f.port());
    Matcher m = Pattern.compile("name=\"sidestep-token\" content=\"([^\"]+)\"").matcher(page);
    assertThat(m.find()).as("the page carries the token").isTrue();
    token = m.group(1);
  }

  @AfterAll
  static void stop() {
    f.close();
  }

  private static String host() {
    return "Host: localhost:" + f.port();
  }

  private static String origin() {
    return "Origin: http://localhost:" + f.port();
  }

  private static JsonNode body(String response) throws Exception {
    return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
  }

  @Test
  void pageInTheBrowsersLanguage() throws Exception {
    assertThat(f.raw("GET", "/", host(), "Accept-Language: ru-RU,ru;q=0.9,en;q=0.5"))
        .startsWith("HTTP/1.1 200")
        .contains("<html lang=\"ru\">")
        .contains("Состояние");
    assertThat(f.raw("GET", "/?lang=kk", host(), "Accept-Language: ru"))
        .contains("<html lang=\"kk\">")
        .contains("Үйренгендері");
    assertThat(f.raw("GET", "/", host(), "Accept-Language: de-DE")).contains("<html lang=\"en\">");
  }

  @Test
  void foreignHostIsRefused() throws Exception {
    // A rebound DNS name reaches the door with its own name in Host.
    assertThat(f.raw("GET", "/api/learned", "Host: attacker.example:" + f.port()))
        .startsWith("HTTP/1.1 421")
        .doesNotContain("rutracker");
    assertThat(f.raw("GET", "/", "Host: attacker.example")).startsWith("HTTP/1.1 421");
    assertThat(f.raw("GET", "/api/status", "Host: localhost:1")).startsWith("HTTP/1.1 421");
    assertThat(f.raw("GET", "/api/status")).as("no Host").startsWith("HTTP/1.1 421");
    assertThat(f.raw("GET", "/api/status", "Host: 127.0.0.1:" + f.port()))
        .startsWith("HTTP/1.1 200");
  }

  @Test
  void crossSiteChangeIsRefused() throws Exception {
    String forget = "/api/learned/forget?host=linkedin.com";
    assertThat(
            f.raw(
                "POST",
                forget,
                host(),
                "Origin: https://attacker.example",
                "X-Sidestep-Token: " + token))
        .as("a foreign Origin, even with the token")
        .startsWith("HTTP/1.1 403");
    assertThat(f.raw("POST", forget, host(), origin())).as("no token").startsWith("HTTP/1.1 403");
    assertThat(f.raw("POST", forget, host(), origin(), "X-Sidestep-Token: wrong"))
        .startsWith("HTTP/1.1 403");
    assertThat(f.raw("POST", forget, host(), "X-Sidestep-Token: " + token))
        .as("no Origin")
        .startsWith("HTTP/1.1 403");
    assertThat(f.raw("GET", forget, host())).as("a GET changes nothing").startsWith("HTTP/1.1 404");
    String preflight =
        f.raw(
            "OPTIONS",
            forget,
            host(),
            "Origin: https://attacker.example",
            "Access-Control-Request-Method: POST",
            "Access-Control-Request-Headers: x-sidestep-token");
    assertThat(preflight).startsWith("HTTP/1.1 405");
    assertThat(Files.readString(f.state.resolve("learned.rules"))).contains("linkedin.com");
    for (String r :
        new String[] {
          preflight,
          f.raw("GET", "/api/learned", host(), "Origin: https://attacker.example"),
          f.raw("GET", "/", host())
        }) {
      assertThat(r.toLowerCase()).doesNotContain("access-control-allow");
    }
  }

  @Test
  void forgetsALearnedHost() throws Exception {
    assertThat(body(f.raw("GET", "/api/learned", host())).findValuesAsText("host"))
        .contains("rutracker.org");
    String r =
        f.raw(
            "POST",
            "/api/learned/forget?host=rutracker.org",
            host(),
            origin(),
            "X-Sidestep-Token: " + token);
    assertThat(r).startsWith("HTTP/1.1 200");
    assertThat(body(r).get("forgotten").asBoolean()).isTrue();
    assertThat(Files.readString(f.state.resolve("learned.rules"))).doesNotContain("rutracker.org");
    assertThat(body(f.raw("GET", "/api/learned", host())).findValuesAsText("host"))
        .doesNotContain("rutracker.org")
        .contains("linkedin.com");
    JsonNode explain = body(f.raw("GET", "/api/explain?host=rutracker.org", host()));
    assertThat(explain.get("action").asText()).isEqualTo("AUTO");
  }

  @Test
  void alwaysRelayWritesAUserRule() throws Exception {
    assertThat(body(f.raw("GET", "/api/explain?host=news.example", host())).get("action").asText())
        .isEqualTo("AUTO");
    String r =
        f.raw(
            "POST",
            "/api/rules/relay?host=news.example",
            host(),
            origin(),
            "X-Sidestep-Token: " + token);
    assertThat(r).startsWith("HTTP/1.1 200");
    JsonNode explain = body(f.raw("GET", "/api/explain?host=news.example:443", host()));
    assertThat(explain.get("action").asText()).isEqualTo("RELAY");
    assertThat(explain.get("reason").asText()).contains(f.rulesFile.toString() + ":1");
    assertThat(Files.readAllLines(f.rulesFile).get(0))
        .startsWith("DOMAIN,news.example,RELAY # always relay, set in the dashboard on ");
    assertThat(Files.readString(f.rulesFile)).endsWith(DashboardFixture.RULES);
  }

  @Test
  void noProbeTriesANeverDirectSiteDirectly() throws Exception {
    String good = Files.readString(f.rulesFile);
    try {
      Files.writeString(f.rulesFile, good + "DOMAIN,secret.example,NEVER-DIRECT\n");
      f.client.reloadRules();
      String r =
          f.raw(
              "POST",
              "/api/probe?list=127.0.0.1%0Asecret.example",
              host(),
              origin(),
              "X-Sidestep-Token: " + token);
      assertThat(r).startsWith("HTTP/1.1 400");
      assertThat(body(r).get("error").asText())
          .contains("NEVER-DIRECT")
          .contains("secret.example")
          .doesNotContain("127.0.0.1");
      String open =
          f.raw(
              "POST", "/api/probe?list=127.0.0.1", host(), origin(), "X-Sidestep-Token: " + token);
      assertThat(open).as("a list without such a site is probed").startsWith("HTTP/1.1 200");
    } finally {
      Files.writeString(f.rulesFile, good);
      f.client.reloadRules();
    }
  }

  @Test
  void statusAndLearnedNameTheNetworks() throws Exception {
    JsonNode s = body(f.raw("GET", "/api/status", host()));
    assertThat(s.at("/network/id").asText()).isEqualTo(DashboardFixture.HOME.id());
    assertThat(s.at("/network/label").asText())
        .isEqualTo("gateway 192.0.2.1 (02:00:00:00:00:01), resolver 192.0.2.53");
    JsonNode learned = body(f.raw("GET", "/api/learned", host()));
    java.util.Map<String, JsonNode> byHost = new java.util.HashMap<>();
    learned.forEach(e -> byHost.put(e.get("host").asText(), e));
    assertThat(byHost.get("home.example").at("/network/id").asText())
        .isEqualTo(DashboardFixture.HOME.id());
    assertThat(byHost.get("home.example").get("current").asBoolean()).isTrue();
    assertThat(byHost.get("office.example").at("/network/label").asText())
        .isEqualTo("gateway 198.51.100.1 (office)");
    assertThat(byHost.get("office.example").get("current").asBoolean()).isFalse();
    assertThat(byHost.get("linkedin.com").get("network").isNull())
        .as("an entry of any network")
        .isTrue();
    JsonNode explain = body(f.raw("GET", "/api/explain?host=office.example", host()));
    assertThat(explain.get("action").asText())
        .as("learned on another network: detection decides here")
        .isEqualTo("AUTO");
    explain = body(f.raw("GET", "/api/explain?host=home.example", host()));
    assertThat(explain.get("action").asText()).isEqualTo("RELAY");
    assertThat(explain.get("reason").asText()).contains("network=" + DashboardFixture.HOME.id());
  }

  @Test
  void forgetsTheEntryOfOneNetwork() throws Exception {
    new io.sidestep.core.detect.LearnedStore(f.state, java.time.Clock.systemUTC())
        .learn(
            "cafe.example",
            new io.sidestep.core.detect.Evidence(
                io.sidestep.core.detect.Technique.TLS_RESET, "reset", java.time.Instant.now()),
            java.util.Optional.of(DashboardFixture.OFFICE));
    String r =
        f.raw(
            "POST",
            "/api/learned/forget?host=cafe.example&network=" + DashboardFixture.HOME.id(),
            host(),
            origin(),
            "X-Sidestep-Token: " + token);
    assertThat(body(r).get("forgotten").asBoolean()).as("cafe.example has no home entry").isFalse();
    r =
        f.raw(
            "POST",
            "/api/learned/forget?host=cafe.example&network=" + DashboardFixture.OFFICE.id(),
            host(),
            origin(),
            "X-Sidestep-Token: " + token);
    assertThat(body(r).get("forgotten").asBoolean()).isTrue();
    assertThat(Files.readString(f.state.resolve("learned.rules")))
        .doesNotContain("cafe.example")
        .contains("home.example");
    r =
        f.raw(
            "POST",
            "/api/learned/forget?host=home.example&network=not%20an%20id",
            host(),
            origin(),
            "X-Sidestep-Token: " + token);
    assertThat(r).startsWith("HTTP/1.1 400");
    assertThat(body(r).get("error").asText()).startsWith("network: 'not an id'");
  }

  @Test
  void statusNamesTheRelay() throws Exception {
    JsonNode s = body(f.raw("GET", "/api/status", host()));
    JsonNode relay = s.get("relays").get(0);
    assertThat(relay.get("label").asText()).isEqualTo(f.key.label());
    assertThat(relay.get("address").asText()).isEqualTo(f.key.relay().authority());
    assertThat(relay.get("up").asBoolean()).isTrue();
    assertThat(s.at("/traffic/direct/connections").isNumber()).isTrue();
  }

  @Test
  void statusShowsTheRelaysRoundTripOnceALinkPingWasAnswered() throws Exception {
    JsonNode rtt = null;
    for (long end = System.nanoTime() + 20_000_000_000L; System.nanoTime() < end; ) {
      rtt = body(f.raw("GET", "/api/status", host())).get("relays").get(0).get("rtt_ms");
      if (rtt != null && rtt.isNumber()) {
        break;
      }
      Thread.sleep(50); // the link PINGs 200 ms after its last read
    }
    assertThat(rtt).as("rtt_ms, once the relay answered a PING").isNotNull();
    assertThat(rtt.isNumber()).as("rtt_ms is a number: %s", rtt).isTrue();
    assertThat(rtt.asDouble()).isGreaterThanOrEqualTo(0).isLessThan(5_000);
  }

  @Test
  void rulesShowTheFileAndItsError() throws Exception {
    JsonNode ok = body(f.raw("GET", "/api/rules", host()));
    assertThat(ok.get("file").asText()).isEqualTo(f.rulesFile.toString());
    assertThat(ok.get("error").isNull()).isTrue();
    assertThat(ok.get("files").get(0).get("loaded").asText()).isNotEmpty();
    String good = Files.readString(f.rulesFile);
    try {
      Files.writeString(f.rulesFile, good + "DOMAN,bad.example,RELAY\n");
      assertThatThrownBy(f.client::reloadRules).hasMessageContaining("DOMAN");
      JsonNode bad = body(f.raw("GET", "/api/rules", host()));
      int line = good.split("\n").length + 1;
      assertThat(bad.at("/error/line").asInt()).isEqualTo(line);
      assertThat(bad.at("/error/column").asInt()).isEqualTo(1);
      assertThat(bad.at("/error/message").asText()).contains("DOMAN");
    } finally {
      Files.writeString(f.rulesFile, good);
      f.client.reloadRules();
    }
  }

  @Test
  void liveStreamShowsAConnection() throws Exception {
    try (Socket s = new Socket("127.0.0.1", f.port())) {
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /api/live HTTP/1.1\r\n" + host() + "\r\nAccept: text/event-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      String want = "\"destination\":\"localhost:" + f.origin.port() + "\"";
      f.connectThroughSocks();
      byte[] buf = new byte[4096];
      while (!got.toString(StandardCharsets.UTF_8).contains(want)) {
        int n = in.read(buf);
        assertThat(n).as("stream open").isPositive();
        got.write(buf, 0, n);
      }
      String text = got.toString(StandardCharsets.UTF_8);
      assertThat(text).startsWith("HTTP/1.1 200").contains("text/event-stream");
      assertThat(text).contains("\"route\":\"direct\"").contains("\"door\":\"socks\"");
    }
  }
}
