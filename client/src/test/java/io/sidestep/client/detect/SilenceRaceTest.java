package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SilenceRaceTest {

  @Test
  void theDirectPathGetsAtLeastASecondOrAFifthOfTheRelaysTime() {
    assertThat(SilenceRace.margin(Duration.ofMillis(300))).isEqualTo(Duration.ofSeconds(1));
    assertThat(SilenceRace.margin(Duration.ofSeconds(5))).isEqualTo(Duration.ofSeconds(1));
    assertThat(SilenceRace.margin(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(2));
  }
}
