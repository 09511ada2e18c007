package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.testing.ManualClock;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class LearnedWriterTest {
  @TempDir Path state;
  private final ManualClock clock = ManualClock.atDefault();
  private final BlockingQueue<List<LearnedStore.Change>> writes = new LinkedBlockingQueue<>();

  private Evidence reset() {
    return Evidence.of(Technique.TLS_RESET, "reset after ClientHello", clock);
  }

  private static List<String> hosts(List<LearnedStore.Change> changes) {
    return changes.stream().map(LearnedStore.Change::host).toList();
  }

  @Test
  void whatWaitsIsWrittenInOneGoAndAFullQueueDropsWithoutBlocking() throws Exception {
    LearnedStore store = new LearnedStore(state, clock);
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LearnedWriter writer =
        new LearnedWriter(
            store,
            4,
            made -> {
              writes.add(made);
              writing.countDown();
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    try {
      assertThat(writer.learn("first.example", reset())).isTrue();
      assertThat(writing.await(30, TimeUnit.SECONDS)).isTrue(); // the writer thread is held here
      for (int i = 0; i < 4; i++) {
        assertThat(writer.learn("h" + i + ".example", reset())).isTrue();
      }
      assertThat(writer.learn("one-too-many.example", reset()))
          .as("a full queue drops at once rather than block the caller")
          .isFalse();
      assertThat(writer.forgetIfStored("first.example"))
          .as("forgets give way once the queue is half full")
          .isFalse();
      release.countDown();
    } finally {
      writer.close();
    }
    assertThat(hosts(writes.take())).containsExactly("first.example");
    assertThat(hosts(writes.take()))
        .as("everything queued meanwhile, in one write")
        .containsExactly("h0.example", "h1.example", "h2.example", "h3.example");
    assertThat(writes).isEmpty();
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("first.example", "h0.example", "h1.example", "h2.example", "h3.example");
  }

  @Test
  void forgetsOnlyWhatTheFileHoldsIncludingWhatAnotherWriterAdded() throws Exception {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("old.example", reset());
    try (LearnedWriter writer = new LearnedWriter(store, 16, writes::add)) {
      writer.forgetIfStored("never.example");
      writer.forgetIfStored("old.example");
      assertThat(hosts(writes.take())).containsExactly("old.example");

      new LearnedStore(state, clock).learn("other-process.example", reset());
      writer.forgetIfStored("other-process.example");
      assertThat(hosts(writes.take())).containsExactly("other-process.example");
    }
    assertThat(writes).as("a forget of a host without an entry writes nothing").isEmpty();
    assertThat(store.entries()).isEmpty();
  }

  @Test
  void anInvalidHostIsRefusedWithoutThrowing() {
    try (LearnedWriter writer = new LearnedWriter(new LearnedStore(state, clock), 4, writes::add)) {
      assertThat(writer.learn("x.example,DIRECT\nMATCH,REJECT", reset())).isFalse();
      assertThat(writer.forgetIfStored("a b")).isFalse();
    }
  }
}
