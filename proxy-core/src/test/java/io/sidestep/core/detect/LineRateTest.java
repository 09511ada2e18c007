package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LineRateTest {
  private final ManualClock clock = ManualClock.atDefault();

  @Test
  void answersWithTheMedianOfOtherHosts() {
    LineRate line = new LineRate(clock);
    assertThat(line.excluding("slow.example")).isEmpty();
    line.record("slow.example", 60_000);
    line.record("a.example", 4_000_000);
    line.record("b.example", 6_000_000);
    line.record("c.example", 1_000_000);
    assertThat(line.excluding("slow.example")).hasValue(4_000_000);
    assertThat(line.excluding("a.example")).hasValue(1_000_000);
    assertThat(line.excluding("nobody.example").getAsDouble())
        .as("four samples: the mean of the middle two")
        .isEqualTo((1_000_000 + 4_000_000) / 2.0);
  }

  @Test
  void forgetsOldTransfersAndKeepsAtMostMax() {
    LineRate line = new LineRate(2, Duration.ofMinutes(30), clock);
    line.record("a.example", 1_000_000);
    clock.advance(Duration.ofMinutes(20));
    line.record("b.example", 2_000_000);
    clock.advance(Duration.ofMinutes(11));
    assertThat(line.excluding("x")).as("a.example is 31 minutes old").hasValue(2_000_000);
    line.record("c.example", 3_000_000);
    line.record("d.example", 5_000_000);
    assertThat(line.excluding("x")).as("only the last two are kept").hasValue(4_000_000);
  }

  @Test
  void ignoresRatesThatMeanNothing() {
    LineRate line = new LineRate(clock);
    line.record("a.example", 0);
    line.record("a.example", Double.NaN);
    line.record("a.example", Double.POSITIVE_INFINITY);
    assertThat(line.excluding("x")).isEmpty();
    assertThatThrownBy(() -> new LineRate(0, Duration.ofMinutes(1), clock))
        .hasMessage("max: 0 (expected: >= 1)");
  }
}
