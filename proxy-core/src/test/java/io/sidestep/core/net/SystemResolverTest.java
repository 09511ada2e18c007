package io.sidestep.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.sidestep.core.netty.Failures;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SystemResolverTest {

  @Test
  void aFullQueueFailsAtOnceAndClearly() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SystemResolver resolver =
        new SystemResolver(
            1,
            1,
            host -> {
              started.countDown();
              release.await();
              return new InetAddress[] {InetAddress.getLoopbackAddress()};
            });
    try {
      CompletableFuture<List<InetAddress>> running = resolver.resolve("a.test");
      started.await();
      CompletableFuture<List<InetAddress>> waiting = resolver.resolve("b.test");
      CompletableFuture<List<InetAddress>> refused = resolver.resolve("c.test");
      assertThat(refused).isCompletedExceptionally();
      Throwable t = catchThrowable(refused::join);
      assertThat(Failures.kindOf(t))
          .as("a look-up never made is not an answer about the name")
          .isEqualTo(Failure.OVERLOADED);
      assertThat(Failures.unwrap(t))
          .hasMessageContaining("c.test")
          .hasMessageContaining("1 look-ups");
      release.countDown();
      assertThat(running.get(10, TimeUnit.SECONDS)).isNotEmpty();
      assertThat(waiting.get(10, TimeUnit.SECONDS)).isNotEmpty();
    } finally {
      resolver.close();
    }
  }
}
