package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckBackoffTest {
  private final ManualClock clock = ManualClock.atDefault();
  private final CheckBackoff backoff = new CheckBackoff(clock);

  @Test
  void theFirstCheckIsAtOnceAndARunningOneIsNotDoubled() {
    assertThat(backoff.tryStart("a.example")).isTrue();
    assertThat(backoff.tryStart("a.example")).as("a check is running").isFalse();
    assertThat(backoff.tryStart("b.example")).as("hosts are apart").isTrue();
  }

  @Test
  void anInconclusiveCheckWaitsThirtySecondsThenTwiceAsLongUpToAnHour() {
    assertThat(backoff.tryStart("a.example")).isTrue();
    backoff.inconclusive("a.example");
    clock.advance(Duration.ofSeconds(29));
    assertThat(backoff.tryStart("a.example")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(backoff.tryStart("a.example")).isTrue();
    backoff.inconclusive("a.example");
    clock.advance(Duration.ofSeconds(59));
    assertThat(backoff.tryStart("a.example")).isFalse();
    clock.advance(Duration.ofSeconds(1));
    assertThat(backoff.tryStart("a.example")).isTrue();
    assertThat(backoff.wait(1)).isEqualTo(Duration.ofSeconds(30));
    assertThat(backoff.wait(7)).isEqualTo(Duration.ofMinutes(32));
    assertThat(backoff.wait(8)).isEqualTo(Duration.ofHours(1));
    assertThat(backoff.wait(1000)).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void aForgottenHostStartsAfresh() {
    assertThat(backoff.tryStart("a.example")).isTrue();
    backoff.inconclusive("a.example");
    backoff.forget("a.example");
    assertThat(backoff.tryStart("a.example")).isTrue();
  }

  @Test
  void badBoundsAreRefused() {
    assertThatThrownBy(() -> new CheckBackoff(Duration.ZERO, Duration.ofHours(1), 10, clock))
        .hasMessage("backoff: PT0S to PT1H (expected: 0 < first <= max)");
  }
}
