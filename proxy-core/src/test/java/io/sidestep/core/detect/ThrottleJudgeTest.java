package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.detect.ThrottleJudge.Samples;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottleJudgeTest {
  private final ThrottleJudge judge = new ThrottleJudge(ManualClock.atDefault());

  private static List<Transfer> transfers(int n, long bytes, long millis) {
    return Collections.nCopies(n, new Transfer(bytes, Duration.ofMillis(millis)));
  }

  private static List<Duration> handshakes(int n, long millis) {
    return Collections.nCopies(n, Duration.ofMillis(millis));
  }

  @Test
  void farSlowerDirectThanAFastRelayIsThrottling() {
    // 1 MiB: direct 64 kB/s-ish (16 s), relay ~2 MB/s (0.5 s).
    Samples s =
        new Samples(
            transfers(3, 1 << 20, 16_000), transfers(3, 1 << 20, 500), List.of(), List.of());
    Evidence e = judge.judge(s).orElseThrow();
    assertThat(e.technique()).isEqualTo(Technique.THROTTLED);
    assertThat(e.text())
        .isEqualTo("direct 65.5 kB/s vs relay 2.1 MB/s (median of 3 and 3 transfers)");
  }

  @Test
  void tooFewSamplesOrSmallObjectsProveNothing() {
    assertThat(
            judge.judge(
                new Samples(
                    transfers(2, 1 << 20, 16_000),
                    transfers(3, 1 << 20, 500),
                    List.of(),
                    List.of())))
        .isEmpty();
    assertThat(
            judge.judge(
                new Samples(
                    transfers(5, 10_000, 1000), transfers(5, 10_000, 10), List.of(), List.of())))
        .as("10 kB objects measure latency, not rate")
        .isEmpty();
  }

  @Test
  void aSlowRelayProvesNothing() {
    // relay 80 kB/s, direct 8 kB/s: 10x slower but the relay is not "reasonably fast".
    assertThat(
            judge.judge(
                new Samples(
                    transfers(3, 80_000, 10_000),
                    transfers(3, 80_000, 1000),
                    List.of(),
                    List.of())))
        .isEmpty();
  }

  @Test
  void somewhatSlowerIsNotThrottling() {
    // direct at 1/4 of the relay: above the 1/5 threshold.
    assertThat(
            judge.judge(
                new Samples(
                    transfers(3, 1_000_000, 2000),
                    transfers(3, 1_000_000, 500),
                    List.of(),
                    List.of())))
        .isEmpty();
  }

  @Test
  void slowHandshakesAreThrottling() {
    Evidence e =
        judge
            .judge(new Samples(List.of(), List.of(), handshakes(3, 3000), handshakes(3, 300)))
            .orElseThrow();
    assertThat(e.text())
        .isEqualTo("TLS handshake direct 3000 ms vs relay 300 ms (median of 3 and 3)");
    assertThat(
            judge.judge(new Samples(List.of(), List.of(), handshakes(3, 1500), handshakes(3, 100))))
        .as("under 2 s is not slow enough")
        .isEmpty();
    assertThat(
            judge.judge(new Samples(List.of(), List.of(), handshakes(3, 3000), handshakes(3, 900))))
        .as("the relay is slow as well")
        .isEmpty();
  }

  @Test
  void theMedianResistsOneOutlier() {
    List<Transfer> direct =
        List.of(
            new Transfer(1 << 20, Duration.ofMillis(400)),
            new Transfer(1 << 20, Duration.ofSeconds(20)),
            new Transfer(1 << 20, Duration.ofSeconds(20)));
    assertThat(judge.judge(new Samples(direct, transfers(3, 1 << 20, 400), List.of(), List.of())))
        .isPresent();
    List<Transfer> mostlyFast =
        List.of(
            new Transfer(1 << 20, Duration.ofMillis(400)),
            new Transfer(1 << 20, Duration.ofMillis(500)),
            new Transfer(1 << 20, Duration.ofSeconds(20)));
    assertThat(
            judge.judge(new Samples(mostlyFast, transfers(3, 1 << 20, 400), List.of(), List.of())))
        .isEmpty();
  }

  @Test
  void thresholdsAreChecked() {
    assertThat(ThrottleJudge.Thresholds.DEFAULTS.minSamples()).isEqualTo(3);
    assertThatThrownBy(() -> new ThrottleJudge.Thresholds(0, 1, 0.2, 1, Duration.ZERO))
        .hasMessageContaining("minSamples");
    assertThatThrownBy(() -> new ThrottleJudge.Thresholds(1, 1, 1.5, 1, Duration.ZERO))
        .hasMessageContaining("maxRatio");
  }
}
