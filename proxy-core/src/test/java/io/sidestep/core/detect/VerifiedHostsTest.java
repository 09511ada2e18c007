package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class VerifiedHostsTest {

  @Test
  void goodResultsLastTheTtlPerHostAndPort() {
    ManualClock clock = ManualClock.atDefault();
    VerifiedHosts v =
        new VerifiedHosts(VerifiedHosts.DEFAULT_TTL, VerifiedHosts.DEFAULT_MAX, clock);
    Destination d = Destination.of("Site.Example", 443);
    assertThat(v.fresh(d)).isFalse();
    v.remember(d);
    assertThat(v.fresh(Destination.of("site.example", 443))).isTrue();
    assertThat(v.fresh(Destination.of("site.example", 8443))).as("keyed by port too").isFalse();
    clock.advance(Duration.ofHours(24).minusSeconds(1));
    assertThat(v.fresh(d)).isTrue();
    clock.advance(Duration.ofSeconds(1));
    assertThat(v.fresh(d)).as("24 h default").isFalse();
    v.remember(d);
    v.forget(d);
    assertThat(v.fresh(d)).isFalse();
  }

  @Test
  void itIsBounded() {
    VerifiedHosts v = new VerifiedHosts(Duration.ofHours(1), 2, ManualClock.atDefault());
    v.remember(Destination.of("a.example", 443));
    v.remember(Destination.of("b.example", 443));
    v.fresh(Destination.of("a.example", 443)); // a is now the most recently used
    v.remember(Destination.of("c.example", 443));
    assertThat(v.size()).isEqualTo(2);
    assertThat(v.fresh(Destination.of("b.example", 443))).isFalse();
    assertThat(v.fresh(Destination.of("a.example", 443))).isTrue();
  }
}
