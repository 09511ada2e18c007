package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.client.probe.PlantedLoopback.Planted;
import io.sidestep.core.detect.ProbeResult;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The world of the {@code probe} benchmark ({@code bench/probe.sh}) on a short list of the same
 * shape as kz.csv: every planted outcome gets its verdict, so the benchmark's check means
 * something.
 */
@Timeout(60)
class PlantedLoopbackTest {

  @TempDir Path tmp;

  private static ProbeList list(int n) {
    StringBuilder csv = new StringBuilder("url,category_code,category_description\n");
    for (int i = 0; i < n; i++) {
      csv.append(i % 4 == 0 ? "http://www." : "https://")
          .append("site")
          .append(i)
          .append(i % 3 == 0 ? ".kz/" : ".example.org/")
          .append(",NEWS,News Media\n");
    }
    return ProbeList.parse("short.csv", csv.toString());
  }

  @Test
  void everyPlantedOutcomeGetsItsVerdict() throws Exception {
    ProbeList listed = list(PlantedLoopback.PATTERN.size());
    try (PlantedLoopback net = new PlantedLoopback(listed.targets(), tmp)) {
      assertThat(net.counts())
          .as("one pattern's worth of hosts holds the whole mix")
          .isEqualTo(
              Map.of(
                  Planted.OPEN, 12,
                  Planted.NXDOMAIN, 1,
                  Planted.RESET, 2,
                  Planted.SILENT, 3,
                  Planted.DOWN, 2));
      assertThat(net.sample(1)).hasSize(Planted.values().length);
      assertThat(net.targets()).extracting(ProbeTarget::hasHttp).contains(true, false);
      List<ProbeResult> results;
      DnsServerResolver resolver = net.resolver();
      try (Prober p =
          new Prober(
              List.of(net.key()),
              resolver,
              PlantedLoopback.settings(),
              net.trust(),
              Clock.systemUTC())) {
        results = p.probeAll(net.targets(), 8, r -> {});
      } finally {
        resolver.close();
      }
      assertThat(results).hasSize(listed.targets().size());
      assertThat(results.stream().map(net::mismatch).flatMap(Optional::stream)).isEmpty();
    }
  }

  @Test
  void aWrongVerdictIsAMismatch() throws Exception {
    try (PlantedLoopback net = new PlantedLoopback(list(2).targets(), tmp)) {
      String silent = net.targets().get(1).host();
      assertThat(net.planted(silent)).isEqualTo(Planted.SILENT);
      assertThat(net.mismatch(ProbeResult.ok(silent, "fine", java.time.Duration.ZERO)))
          .hasValueSatisfying(m -> assertThat(m).contains("planted silent, probe says ok"));
      assertThat(net.mismatch(ProbeResult.ok("other.example", "", java.time.Duration.ZERO)))
          .hasValue("other.example: not planted");
    }
  }

  @Test
  void anAddressInTheListIsRefused() {
    ProbeList withAddress = ProbeList.parse("a.txt", "203.0.113.9\n");
    assertThatThrownBy(() -> new PlantedLoopback(withAddress.targets(), tmp))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("203.0.113.9");
  }
}
