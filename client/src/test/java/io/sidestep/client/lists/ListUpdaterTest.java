package io.sidestep.client.lists;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.detect.InterceptionCheck;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.RemoteList;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The schedule: due at start without a copy, after the interval with one, back-off on failure. */
class ListUpdaterTest {
  static EventLoopGroup group;
  @TempDir Path state;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  static RemoteList list(String url, Duration interval) {
    return new RemoteList(url, interval, Optional.empty(), Optional.empty(), "auto", "rules:1");
  }

  @Test
  void aFailedFetchIsRetriedWithBackOffUpToTheInterval() throws Exception {
    ManualClock clock = ManualClock.atDefault();
    RemoteList l = list("https://lists.example/a.txt", Duration.ofMinutes(5));
    AtomicInteger attempts = new AtomicInteger();
    RelayConnector counting =
        (loop, d) -> {
          attempts.incrementAndGet();
          return RelayConnector.NONE.connect(loop, d);
        };
    try (LogCapture log = LogCapture.of(ListUpdater.class);
        ListUpdater u =
            new ListUpdater(
                () -> List.of(l),
                new ListCache(state),
                counting,
                group,
                InterceptionCheck.jvmTrustManager(),
                clock,
                () -> {})) {
      assertThat(u.tick()).as("no copy: due at once").isEqualTo(1);
      assertThat(attempts).hasValue(1);
      ListUpdater.Status s = u.statuses().get(0);
      assertThat(s.ok()).isFalse();
      assertThat(s.message()).contains("no relay configured").contains("no copy yet");
      assertThat(s.nextAttempt()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
      assertThat(log.lines())
          .anyMatch(x -> x.contains("fetch failed") && x.contains("next try in 1 min"));

      clock.advance(Duration.ofSeconds(59));
      assertThat(u.tick()).isZero();
      clock.advance(Duration.ofSeconds(1));
      assertThat(u.tick()).isEqualTo(1);
      assertThat(u.statuses().get(0).nextAttempt())
          .isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
      clock.advance(Duration.ofMinutes(2));
      assertThat(u.tick()).isEqualTo(1);
      assertThat(u.statuses().get(0).nextAttempt())
          .isEqualTo(clock.instant().plus(Duration.ofMinutes(4)));
      clock.advance(Duration.ofMinutes(4));
      assertThat(u.tick()).isEqualTo(1);
      assertThat(u.statuses().get(0).nextAttempt())
          .as("never longer than the interval")
          .isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
      assertThat(attempts).hasValue(4);
    }
  }

  @Test
  void aStoredCopyIsFetchedAgainOnlyAfterItsInterval() {
    ListCache cache = new ListCache(state);
    RemoteList l = list("https://lists.example/b.txt", Duration.ofHours(6));
    cache.store(l.url(), "a.example\n".getBytes(StandardCharsets.UTF_8));
    ManualClock clock = new ManualClock(cache.fetchedAt(l.url()).orElseThrow());
    try (ListUpdater u =
        new ListUpdater(
            () -> List.of(l),
            cache,
            RelayConnector.NONE,
            group,
            InterceptionCheck.jvmTrustManager(),
            clock,
            () -> {})) {
      assertThat(u.tick()).isZero();
      assertThat(u.statuses().get(0).ok()).isTrue();
      assertThat(u.statuses().get(0).message()).startsWith("using the copy fetched at");
      clock.advance(Duration.ofHours(6).minusSeconds(1));
      assertThat(u.tick()).isZero();
      clock.advance(Duration.ofSeconds(1));
      assertThat(u.tick()).isEqualTo(1);
    }
  }

  @Test
  void backOffDoublesFromOneMinute() {
    Duration day = Duration.ofDays(1);
    assertThat(ListUpdater.backOff(1, day)).isEqualTo(Duration.ofMinutes(1));
    assertThat(ListUpdater.backOff(3, day)).isEqualTo(Duration.ofMinutes(4));
    assertThat(ListUpdater.backOff(40, day)).isEqualTo(day);
  }
}
