package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Blocking work that fails, or a continuation that throws, closes the connection at once. */
class ExchangeTest {

  static EmbeddedChannel afterOffLoop(Supplier<String> work, Consumer<String> then) {
    EmbeddedChannel ch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    RelayContext rc =
        new RelayContext(
            null, null, null, null, Runnable::run, 10_000, 10_000, null, false, null, null);
    Exchange ex = new Exchange(rc, ch.pipeline().firstContext(), r -> {});
    ex.offLoop(work, then);
    ch.runPendingTasks();
    return ch;
  }

  @Test
  void failedWorkCloses() {
    EmbeddedChannel ch =
        afterOffLoop(
            () -> {
              throw new OutOfMemoryError("Direct buffer memory");
            },
            s -> {});
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aThrowingContinuationCloses() {
    EmbeddedChannel ch =
        afterOffLoop(
            () -> "page",
            s -> {
              throw new IllegalStateException("boom");
            });
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aContinuationThatAnswersKeepsTheConnection() {
    String[] seen = new String[1];
    EmbeddedChannel ch = afterOffLoop(() -> "page", s -> seen[0] = s);
    assertThat(seen[0]).isEqualTo("page");
    assertThat(ch.isOpen()).isTrue();
    ch.close();
  }
}
