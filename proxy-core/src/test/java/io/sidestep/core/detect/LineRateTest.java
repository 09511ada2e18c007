package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LineRateTest {
  private final ManualClock clock = ManualClock.atDefault();

  @Test
  void answersWithTheUpperQuartileOfOtherHosts() {
    LineRate line = new LineRate(clock);
    assertThat(line.excluding("slow.example")).isEmpty();
    line.record("slow.example", 60_000);
    line.record("a.example", 4_000_000);
    line.record("b.example", 6_000_000);
    line.record("c.example", 1_000_000);
    line.record("d.example", 2_000_000);
    assertThat(line.excluding("slow.example")).as("the 3rd of 4").hasValue(4_000_000);
    assertThat(line.excluding("b.example")).as("the 3rd of 4").hasValue(2_000_000);
    assertThat(line.excluding("nobody.example")).as("the 4th of 5").hasValue(4_000_000);
  }

  @Test
  void aHostLearnedAsThrottledNoLongerPassesForTheLine() {
    LineRate line = new LineRate(clock);
    line.record("throttled.example", 90_000);
    assertThat(line.excluding("other.example")).hasValue(90_000);
    line.forget("throttled.example");
    assertThat(line.excluding("other.example")).isEmpty();
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
    assertThat(line.excluding("x")).as("only the last two are kept").hasValue(5_000_000);
    line.record("e.example", 1_000_000);
    assertThat(line.excluding("x")).as("d.example and e.example").hasValue(5_000_000);
    line.record("f.example", 1_000_000);
    assertThat(line.excluding("x")).as("d.example is gone").hasValue(1_000_000);
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
