package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.detect.LoopbackNet;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.detect.Technique;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host whose direct handshakes take 2.2 s (the censor box holds each ClientHello) while the
 * relay's are quick is throttled (technique 12), judged on three samples a side.
 */
@Timeout(120)
class ProbeThrottleTest {

  @TempDir Path tmp;

  @Test
  void slowDirectHandshakesAgainstAFastRelayAreThrottling() throws Exception {
    try (LoopbackNet net = LoopbackNet.start(tmp)) {
      DnsServerResolver resolver = net.resolver();
      try (Prober p =
          new Prober(
              java.util.List.of(net.key()),
              resolver,
              net.settings().withFirstReadTimeout(Duration.ofSeconds(3)),
              net.trust(),
              Clock.systemUTC())) {
        ProbeResult r = p.probe(new ProbeTarget("slow.example", net.httpsPort(), 0, "/")).join();
        assertThat(r.verdict()).as(r.text()).isEqualTo(ProbeVerdict.THROTTLED);
        assertThat(r.evidence().orElseThrow().technique()).isEqualTo(Technique.THROTTLED);
        assertThat(r.text()).startsWith("TLS handshake direct ").contains("(median of 3 and 3)");
      } finally {
        resolver.close();
      }
    }
  }
}
