package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin listener: a scripted session's exact figures in a scrape, parsed by a Prometheus text
 * parser (parse-prometheus-text-format, ported from the official Python client's parser) and linted
 * by Prometheus' own {@code promtool check metrics}; and the health endpoints.
 */
@Timeout(90)
class MetricsTest {

  static final Path TOOLS =
      Path.of("..", "configs", "deploy", "tools").toAbsolutePath().normalize();

  @Test
  void aScrapeShowsTheFiguresOfAScriptedSession(@TempDir Path state) throws Exception {
    try (AccountsTest.Echo echo = new AccountsTest.Echo();
        Relay relay =
            TestRelays.onLoopback(state)
                .allowDestination(Cidr.parse("127.0.0.1/32"))
                .admin(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .start()) {
      AccessKey alice = relay.addUser("alice");
      AccessKey bob =
          relay.addUser("bob", Limits.NONE.withExpires(LocalDate.now(ZoneOffset.UTC).minusDays(1)));

      // One tunnel that carries 1000 bytes each way.
      try (RelayClient c = RelayClient.connect(relay.address())) {
        assertThat(c.request(RelayClient.connectRequest(echo.port(), alice)).status())
            .isEqualTo(200);
        AccountsTest.echoes(c, 1000);
      }
      // Refused by the destination policy, unreachable, over a limit.
      assertThat(status(relay, "CONNECT 10.0.0.1:443", alice)).isEqualTo(403);
      assertThat(status(relay, "CONNECT 127.0.0.1:" + closedPort(), alice)).isEqualTo(502);
      assertThat(status(relay, "CONNECT 127.0.0.1:" + echo.port(), bob)).isEqualTo(403);
      // Probes: no credentials, wrong credentials, not TLS.
      try (RelayClient c = RelayClient.connect(relay.address())) {
        assertThat(c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
      }
      AccessKey wrong = new AccessKey("alice", "wrong", alice.relay(), alice.pin(), "x");
      assertThat(status(relay, "CONNECT 127.0.0.1:" + echo.port(), wrong)).isNotEqualTo(200);
      try (Socket plain = new Socket(relay.address().getAddress(), relay.address().getPort())) {
        plain.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(RelayClient.readsToEnd(plain)).isTrue();
      }

      String admin = "http://127.0.0.1:" + relay.adminAddress().orElseThrow().getPort();
      Map<String, Double> m = Map.of();
      for (int i = 0; i < 100; i++) { // the last connections close asynchronously
        m = parse(get(admin + "/metrics").body());
        if (m.get("sidestep_relay_tunnels_open") == 0.0) {
          break;
        }
        Thread.sleep(50);
      }
      assertThat(m)
          .containsEntry("sidestep_relay_bytes_total{direction=up,user=alice}", 1000.0)
          .containsEntry("sidestep_relay_bytes_total{direction=down,user=alice}", 1000.0)
          .containsEntry("sidestep_relay_tunnels_open", 0.0)
          .containsEntry("sidestep_relay_tunnels_total{result=ok}", 1.0)
          .containsEntry("sidestep_relay_tunnels_total{result=refused_by_policy}", 1.0)
          .containsEntry("sidestep_relay_tunnels_total{result=unreachable}", 1.0)
          .containsEntry("sidestep_relay_tunnels_total{result=over_limit}", 1.0)
          .containsEntry("sidestep_relay_tls_handshakes_total{result=ok}", 6.0)
          .containsEntry("sidestep_relay_tls_handshakes_total{result=failed}", 0.0)
          .containsEntry("sidestep_relay_probes_total{kind=no_credentials}", 1.0)
          .containsEntry("sidestep_relay_probes_total{kind=wrong_credentials}", 1.0)
          .containsEntry("sidestep_relay_probes_total{kind=not_tls}", 1.0)
          .containsEntry("sidestep_relay_destination_connect_seconds_count", 1.0)
          .containsEntry("sidestep_relay_users", 2.0)
          .containsEntry("sidestep_relay_build_info{version=development}", 1.0);
      assertThat(m).doesNotContainKey("sidestep_relay_bytes_total{direction=up,user=bob}");

      String scrape = get(admin + "/metrics").body();
      assertThat(promtool(scrape)).as("promtool check metrics: no problems").isEmpty();

      assertThat(get(admin + "/healthz").statusCode()).isEqualTo(200);
      assertThat(get(admin + "/readyz").statusCode()).isEqualTo(200);
      assertThat(get(admin + "/nothing").statusCode()).isEqualTo(404);
    }
  }

  static int status(Relay relay, String requestLine, AccessKey key) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      return c.request(
              requestLine
                  + " HTTP/1.1\r\nProxy-Authorization: "
                  + RelayClient.basic(key)
                  + "\r\n\r\n")
          .status();
    }
  }

  static HttpResponse<String> get(String url) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Every sample of a scrape as {@code name{label=value,...}} (labels sorted) to its value; a
   * histogram gives its {@code _count} and {@code _sum}.
   */
  static Map<String, Double> parse(String scrape) throws Exception {
    Path parser = TOOLS.resolve("node_modules/parse-prometheus-text-format");
    assertThat(parser)
        .as("installed by `npm ci --prefix configs/deploy/tools` (configs/deploy/check.sh does it)")
        .exists();
    String json =
        run(
            scrape,
            "node",
            "-e",
            "const p=require(process.argv[1]);let s='';process.stdin.on('data',d=>s+=d)"
                + ".on('end',()=>process.stdout.write(JSON.stringify(p(s))))",
            parser.toString());
    Map<String, Double> out = new HashMap<>();
    for (JsonNode family : new ObjectMapper().readTree(json)) {
      String name = family.get("name").asText();
      for (JsonNode sample : family.get("metrics")) {
        java.util.TreeMap<String, String> labels = new java.util.TreeMap<>();
        sample
            .path("labels")
            .fields()
            .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        String key =
            labels.isEmpty()
                ? name
                : name
                    + labels.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(java.util.stream.Collectors.joining(",", "{", "}"));
        if (family.get("type").asText().equals("HISTOGRAM")) {
          out.put(key + "_count", Double.parseDouble(sample.get("count").asText()));
          out.put(key + "_sum", Double.parseDouble(sample.get("sum").asText()));
        } else {
          out.put(key, Double.parseDouble(sample.get("value").asText()));
        }
      }
    }
    return out;
  }

  /** What {@code promtool check metrics} says about a scrape: empty when it finds nothing wrong. */
  static String promtool(String scrape) throws Exception {
    return run(scrape, "promtool", "check", "metrics");
  }

  static String run(String stdin, String... command) throws Exception {
    Process p;
    try {
      p = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError(
          command[0] + " is needed by this test (.ci/run installs it): " + e.getMessage(), e);
    }
    p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s exit; output: %s", command[0], out).isZero();
    return out;
  }

  static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
