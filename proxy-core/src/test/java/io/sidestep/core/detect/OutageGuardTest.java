package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OutageGuardTest {
  private final Instant t0 = Instant.parse("2026-11-27T18:00:00Z");

  private Instant at(long ms) {
    return t0.plusMillis(ms);
  }

  @Test
  void manyHostsFailingAtOnceWithNoSuccessIsTheNetwork() {
    OutageGuard g = new OutageGuard(Duration.ofSeconds(10), 3);
    g.failure("a.example", at(0));
    g.failure("b.example", at(100));
    assertThat(g.networkDown(at(200))).as("two hosts are not every host").isFalse();
    g.failure("c.example", at(300));
    assertThat(g.networkDown(at(400))).isTrue();
  }

  @Test
  void oneHostFailingRepeatedlyIsNotTheNetwork() {
    OutageGuard g = new OutageGuard(Duration.ofSeconds(10), 3);
    for (int i = 0; i < 10; i++) {
      g.failure("blocked.example", at(i * 100));
    }
    assertThat(g.networkDown(at(1000))).isFalse();
  }

  @Test
  void anyDirectSuccessInTheWindowMeansTheNetworkWorks() {
    OutageGuard g = new OutageGuard(Duration.ofSeconds(10), 3);
    g.failure("a.example", at(0));
    g.success("open.example", at(50));
    g.failure("b.example", at(100));
    g.failure("c.example", at(200));
    g.failure("d.example", at(300));
    assertThat(g.networkDown(at(400))).isFalse();
  }

  @Test
  void oldEventsLeaveTheWindow() {
    OutageGuard g = new OutageGuard(Duration.ofSeconds(10), 3);
    g.success("open.example", at(0));
    g.failure("a.example", at(11_000));
    g.failure("b.example", at(11_100));
    g.failure("c.example", at(11_200));
    assertThat(g.networkDown(at(11_300))).as("the success is 11 s old").isTrue();
    assertThat(g.networkDown(at(40_000))).as("the failures are old too").isFalse();
  }

  @Test
  void defaultsAndBadArguments() {
    OutageGuard g = new OutageGuard();
    for (String h : new String[] {"a", "b", "c"}) {
      g.failure(h, at(0));
    }
    assertThat(g.networkDown(at(1))).isFalse();
    g.failure("d", at(0));
    assertThat(g.networkDown(at(1))).isTrue();
    assertThatThrownBy(() -> new OutageGuard(Duration.ZERO, 3)).hasMessageContaining("window");
    assertThatThrownBy(() -> new OutageGuard(Duration.ofSeconds(1), 0))
        .hasMessageContaining("minHosts");
  }
}
