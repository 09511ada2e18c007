package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.detect.LiveThrottleJudge.Verdict;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class LiveThrottleJudgeTest {
  private final LiveThrottleJudge judge = new LiveThrottleJudge(ManualClock.atDefault());

  /** 320 KiB in 5 s: a 64 kB/s throttle. */
  private static final Transfer THROTTLED = new Transfer(320 * 1024, Duration.ofSeconds(5));

  /** 1 MiB in 0.1 s: a fast relay. */
  private static final Transfer FAST_RELAY = new Transfer(1 << 20, Duration.ofMillis(100));

  @Test
  void farSlowerThanTheLineAndTheRelayIsThrottledWithTheFigures() {
    Verdict v = judge.judge(THROTTLED, OptionalDouble.of(5_000_000), Optional.of(FAST_RELAY));
    assertThat(v).isInstanceOf(Verdict.Throttled.class);
    Evidence e = ((Verdict.Throttled) v).evidence();
    assertThat(e.technique()).isEqualTo(Technique.THROTTLED);
    assertThat(e.text())
        .isEqualTo(
            "direct 65.5 kB/s vs relay 10.5 MB/s and line 5.0 MB/s (other sites, direct);"
                + " direct 320 KiB in 5.0 s, relay sample 1024 KiB");
  }

  @Test
  void withNothingOnRecordTheRelaySampleBoundsTheLine() {
    Verdict v = judge.judge(THROTTLED, OptionalDouble.empty(), Optional.of(FAST_RELAY));
    assertThat(((Verdict.Throttled) v).evidence().text())
        .startsWith("direct 65.5 kB/s vs relay 10.5 MB/s")
        .contains("line at least the relay's (no direct transfers on record)");
  }

  @Test
  void aSlowLineIsNotThrottling() {
    // The relay is fast but other sites come as slowly as this one: the line (or the whole
    // direct path) is slow, not this site.
    Verdict v = judge.judge(THROTTLED, OptionalDouble.of(200_000), Optional.of(FAST_RELAY));
    assertThat(v).isInstanceOf(Verdict.NotShown.class);
    assertThat(((Verdict.NotShown) v).reason())
        .isEqualTo("direct 65.5 kB/s not far slower than the line, 200.0 kB/s from other sites");
  }

  @Test
  void aRelayAboutAsSlowIsNotThrottling() {
    Transfer relay = new Transfer(1 << 20, Duration.ofSeconds(4)); // 262 kB/s
    Verdict v = judge.judge(THROTTLED, OptionalDouble.of(5_000_000), Optional.of(relay));
    assertThat(((Verdict.NotShown) v).reason())
        .isEqualTo("direct 65.5 kB/s not far slower than relay 262.1 kB/s");
  }

  @Test
  void withoutAUsableRelaySampleNothingIsShown() {
    assertThat(judge.judge(THROTTLED, OptionalDouble.of(5_000_000), Optional.empty()))
        .isEqualTo(new Verdict.NotShown("direct 65.5 kB/s; no usable relay sample"));
    Transfer tiny = new Transfer(1000, Duration.ofMillis(1));
    assertThat(judge.judge(THROTTLED, OptionalDouble.of(5_000_000), Optional.of(tiny)))
        .isInstanceOf(Verdict.NotShown.class);
    Transfer slowRelay = new Transfer(1 << 20, Duration.ofSeconds(20)); // 52 kB/s
    assertThat(judge.judge(THROTTLED, OptionalDouble.empty(), Optional.of(slowRelay)))
        .isEqualTo(
            new Verdict.NotShown("direct 65.5 kB/s; relay sample 52.4 kB/s too slow to compare"));
  }
}
