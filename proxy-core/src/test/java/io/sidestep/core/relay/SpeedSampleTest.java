package io.sidestep.core.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import org.junit.jupiter.api.Test;

class SpeedSampleTest {
  @Test
  void theSizeIsTheDestinationsPortInKib() {
    Destination d = SpeedSample.destination(1024);
    assertThat(d.authority()).isEqualTo("speed-sample.invalid:1024");
    assertThat(SpeedSample.kib(d)).hasValue(1024);
    assertThat(SpeedSample.kib(Destination.parse("Speed-Sample.invalid:4096", 443))).hasValue(4096);
  }

  @Test
  void otherDestinationsAndSizesAreNotSamples() {
    assertThat(SpeedSample.kib(Destination.of("example.com", 1024))).isEmpty();
    Destination tooLarge = Destination.of(SpeedSample.HOST, 4097);
    assertThat(SpeedSample.is(tooLarge)).isTrue();
    assertThat(SpeedSample.kib(tooLarge)).isEmpty();
    assertThatThrownBy(() -> SpeedSample.destination(0))
        .hasMessage("speed sample: 0 KiB (expected: 1..4096)");
    assertThatThrownBy(() -> SpeedSample.destination(4097))
        .hasMessage("speed sample: 4097 KiB (expected: 1..4096)");
  }
}
