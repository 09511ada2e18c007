package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.route.Destination;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What detection's store writes, the router reads: same file, same syntax. */
class LearnedFileCompatibilityTest {
  @TempDir Path state;

  @Test
  void entriesWrittenByTheStoreRouteThroughTheRelayWithTheirEvidence() {
    Clock clock = Clock.fixed(Instant.parse("2026-11-27T18:00:00Z"), ZoneOffset.UTC);
    LearnedStore store = new LearnedStore(state, clock);
    store.learn(
        "blocked.example",
        Evidence.of(Technique.TLS_SILENCE, "no byte 3000 ms after ClientHello", clock));
    store.learn("192.0.2.9", Evidence.of(Technique.TCP_REFUSED, "refused", clock));
    store.learn("2001:db8::9", Evidence.of(Technique.TCP_TIMEOUT, "timeout", clock));

    try (LiveRules live = LiveRules.load(null, store.file(), Duration.ZERO, clock)) {
      Decision d = live.decide(Destination.parse("blocked.example", 443));
      assertThat(d.action()).isEqualTo(Action.RELAY);
      assertThat(d.reason()).startsWith("learned: ").contains("no byte 3000 ms after ClientHello");
      assertThat(live.decide(Destination.parse("192.0.2.9", 443)).action()).isEqualTo(Action.RELAY);
      assertThat(live.decide(Destination.parse("[2001:db8::9]:443", 443)).action())
          .isEqualTo(Action.RELAY);
      assertThat(live.current().warnings()).isEmpty();

      store.learn("later.example", Evidence.of(Technique.TLS_RESET, "reset", clock));
      live.reloadLearned();
      assertThat(live.decide(Destination.parse("later.example", 443)).action())
          .isEqualTo(Action.RELAY);
    }
    for (LearnedStore.Entry e : store.entries()) {
      assertThat(LearnedEntry.parse(e.line()).expires()).isEqualTo(e.expires());
    }
  }
}
