package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.detect.LoopbackNet;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.detect.Technique;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The probe against the loopback censored network: one verdict per technique, with evidence. */
@Timeout(120)
class ProbeIntegrationTest {

  @TempDir static Path tmp;
  static LoopbackNet net;
  static Map<String, ProbeResult> results;

  @BeforeAll
  static void probe() throws Exception {
    net = LoopbackNet.start(tmp);
    int https = net.httpsPort();
    int http = net.httpPort();
    List<ProbeTarget> targets =
        List.of(
            new ProbeTarget("open.example", https, http, "/page"),
            new ProbeTarget("reset.example", https, 0, "/"),
            new ProbeTarget("silent.example", https, 0, "/"),
            new ProbeTarget("lied.example", https, 0, "/"),
            new ProbeTarget("mitm.example", https, 0, "/"),
            new ProbeTarget("down.example", net.closedPort(), 0, "/"),
            new ProbeTarget("plain-reset.example", https, http, "/page"),
            new ProbeTarget("blockpage.example", https, http, "/bytes?n=5000"),
            new ProbeTarget("broken.example", net.brokenPort(), 0, "/"));
    List<ProbeResult> seen = new ArrayList<>();
    DnsServerResolver resolver = net.resolver();
    try (Prober p =
        new Prober(List.of(net.key()), resolver, net.settings(), net.trust(), Clock.systemUTC())) {
      List<ProbeResult> all = p.probeAll(targets, 4, seen::add);
      results = all.stream().collect(Collectors.toMap(ProbeResult::host, Function.identity()));
    } finally {
      resolver.close();
    }
    assertThat(seen).as("progress heard every host").hasSize(targets.size());
  }

  @AfterAll
  static void stop() {
    if (net != null) {
      net.close();
    }
  }

  private static ProbeResult r(String host) {
    return results.get(host);
  }

  @Test
  void anOpenSiteIsOk() {
    assertThat(r("open.example").verdict()).isEqualTo(ProbeVerdict.OK);
    assertThat(r("open.example").text()).contains("TLS handshake ok").contains("HTTP 200 same");
  }

  @Test
  void tlsBlocksAreTls() {
    assertThat(r("reset.example").verdict()).isEqualTo(ProbeVerdict.TLS);
    assertThat(r("reset.example").evidence().orElseThrow().technique())
        .isEqualTo(Technique.TLS_RESET);
    assertThat(r("reset.example").text())
        .isEqualTo("reset after ClientHello, 0 bytes read; relay handshake ok");
    assertThat(r("silent.example").evidence().orElseThrow().technique())
        .isEqualTo(Technique.TLS_SILENCE);
  }

  @Test
  void aLyingResolverIsDns() {
    assertThat(r("lied.example").verdict()).isEqualTo(ProbeVerdict.DNS);
  }

  @Test
  void interceptionIsMitm() {
    assertThat(r("mitm.example").verdict()).isEqualTo(ProbeVerdict.MITM);
  }

  @Test
  void plainHttpBlocksAreHttpDiff() {
    assertThat(r("plain-reset.example").verdict()).isEqualTo(ProbeVerdict.HTTP_DIFF);
    assertThat(r("plain-reset.example").evidence().orElseThrow().technique())
        .isEqualTo(Technique.HTTP_RESET);
    ProbeResult page = r("blockpage.example");
    assertThat(page.verdict()).as(page.text()).isEqualTo(ProbeVerdict.HTTP_DIFF);
    assertThat(page.evidence().orElseThrow().technique()).isEqualTo(Technique.HTTP_BLOCKPAGE);
    assertThat(page.text()).contains("title 'Access restricted'").contains("no shared title word");
  }

  @Test
  void downEverywhereAndBrokenForEveryoneAreNotBlocked() {
    assertThat(r("down.example").verdict()).isEqualTo(ProbeVerdict.DOWN);
    assertThat(r("broken.example").verdict()).isEqualTo(ProbeVerdict.OK);
    assertThat(r("broken.example").text()).contains("broken for everyone");
  }
}
