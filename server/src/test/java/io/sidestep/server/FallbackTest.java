package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.probe.Nginx;
import io.sidestep.server.probe.Probe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code fallback(nginx)}, a stranger talking TLS to the relay gets exactly the bytes nginx
 * gives when asked directly in plain HTTP, while users' proxy requests still work.
 */
@Timeout(60)
class FallbackTest {

  @TempDir static Path work;
  static Nginx nginx;
  static Relay relay;
  static AccessKey alice;
  static TestOrigin http;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(Nginx.installed(), "nginx is installed (.ci/run installs it)");
    Path site = Files.createDirectories(work.resolve("site"));
    Files.writeString(site.resolve("index.html"), "<html>the operator's own site</html>\n");
    nginx = Nginx.start(work, site, null, null, false, Duration.ofSeconds(2), null);
    http = TestOrigin.http();
    relay =
        TestRelays.reachingLoopback(work.resolve("state"))
            .fallback(nginx.address())
            .requestTimeout(Duration.ofSeconds(2))
            .start();
    alice = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    if (relay != null) {
      relay.close();
    }
    if (nginx != null) {
      nginx.close();
    }
    if (http != null) {
      http.close();
    }
  }

  static Probe tls(String name, String request) {
    return Probe.tls(name, request);
  }

  @Test
  void strangersGetTheFallbackServersOwnBytes() throws Exception {
    List<Probe> probes = new ArrayList<>();
    probes.add(tls("GET /", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    probes.add(tls("GET /missing", "GET /missing HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    probes.add(
        tls(
            "HEAD / then GET",
            "HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    probes.add(tls("POST", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
    probes.add(tls("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"));
    probes.add(
        tls(
            "CONNECT wrong token",
            "CONNECT 127.0.0.1:"
                + http.port()
                + " HTTP/1.1\r\nProxy-Authorization: "
                + RelayClient.basic("alice", "wrong")
                + "\r\n\r\n"));
    probes.add(
        tls(
            "absolute GET wrong token",
            "GET http://127.0.0.1:"
                + http.port()
                + "/ HTTP/1.1\r\nHost: x\r\nProxy-Authorization: "
                + RelayClient.basic("mallory", "x")
                + "\r\n\r\n"));
    probes.add(tls("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
    probes.add(tls("lowercase method", "get / HTTP/1.1\r\nHost: x\r\n\r\n"));
    probes.add(tls("HTTP/0.9", "GET /\r\n"));
    probes.add(tls("no Host", "GET / HTTP/1.1\r\n\r\n"));
    probes.add(tls("head timeout", "GET / HTTP/1.1\r\nHost: x\r\n").listen(3000));
    int before = http.requests().size();
    for (Probe p : probes) {
      Probe.Outcome viaRelay = p.run(relay.address());
      Probe.Outcome direct = p.plain().run(nginx.address());
      assertThat(masked(viaRelay)).as("%s: bytes", p.name()).isEqualTo(masked(direct));
      assertThat(viaRelay.end()).as("%s: end", p.name()).isEqualTo(direct.end());
    }
    assertThat(http.requests()).as("nothing reached the origin for strangers").hasSize(before);
  }

  static String masked(Probe.Outcome o) {
    return new String(o.bytes(), StandardCharsets.ISO_8859_1)
        .replaceAll("(?m)^Date: [^\r\n]*", "Date: (masked)");
  }

  @Test
  void usersStillGetTheirTunnelsAndRequests() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      assertThat(c.request(RelayClient.connectRequest(http.port(), alice)).status()).isEqualTo(200);
    }
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request(
              "GET http://127.0.0.1:"
                  + http.port()
                  + "/x HTTP/1.1\r\nHost: 127.0.0.1\r\nProxy-Authorization: "
                  + RelayClient.basic(alice)
                  + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(200);
    }
  }
}
