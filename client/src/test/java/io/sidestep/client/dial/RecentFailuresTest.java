package io.sidestep.client.dial;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentFailuresTest {

  final AtomicLong now = new AtomicLong();
  final RecentFailures failures = new RecentFailures(Duration.ofSeconds(10), 2, now::get);
  final Destination a = Destination.of("a.test", 443);
  final Destination b = Destination.of("b.test", 443);
  final Destination c = Destination.of("c.test", 443);

  static DialException refused(String what) {
    return new DialException(DialException.Kind.CONNECTION_REFUSED, what + ": refused");
  }

  @Test
  void remembersTheLatestFailurePerDestination() {
    failures.record(a, refused("first"));
    failures.record(a, new DialException(DialException.Kind.TIMEOUT, "second: timed out"));
    assertThat(failures.recent(a))
        .contains(new RecentFailures.Failure(DialException.Kind.TIMEOUT, "second: timed out"));
    assertThat(failures.recent(b)).isEmpty();
  }

  @Test
  void forgetsAfterTheTtl() {
    failures.record(a, refused("a"));
    now.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(failures.recent(a)).as("at the TTL still there").isPresent();
    now.addAndGet(1);
    assertThat(failures.recent(a)).isEmpty();
  }

  @Test
  void forgetsOnSuccess() {
    failures.record(a, refused("a"));
    failures.forget(a);
    assertThat(failures.recent(a)).isEmpty();
  }

  @Test
  void boundedDroppingTheOldestFailure() {
    failures.record(a, refused("a"));
    failures.record(b, refused("b"));
    failures.record(a, refused("a again")); // now a is younger than b
    failures.record(c, refused("c"));
    assertThat(failures.recent(b)).isEmpty();
    assertThat(failures.recent(a)).isPresent();
    assertThat(failures.recent(c)).isPresent();
  }
}
