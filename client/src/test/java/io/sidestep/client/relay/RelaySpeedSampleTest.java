package io.sidestep.client.relay;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.server.Relay;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay's speed sample, fetched by the real relay client from a real relay. */
@Timeout(60)
class RelaySpeedSampleTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey key;
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    relay = Relay.builder().listen(new InetSocketAddress("127.0.0.1", 0)).stateDir(state).start();
    key = relay.addUser("alice");
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
    relay.close();
  }

  @Test
  void theWholeSampleIsMeasuredThroughATunnel() throws Exception {
    RelayTransport relays =
        new RelayTransport(
            List.of(key),
            Duration.ofSeconds(5),
            Duration.ofSeconds(30),
            host ->
                java.util.concurrent.CompletableFuture.completedFuture(
                    List.of(java.net.InetAddress.getLoopbackAddress())));
    Future<Transfer> f =
        RelaySpeedSample.measure(relays, group.next(), 1024, Duration.ofSeconds(10)).await();
    assertThat(f.isSuccess()).as(String.valueOf(f.cause())).isTrue();
    assertThat(f.getNow().bytes()).isEqualTo(1024 * 1024);
    assertThat(f.getNow().elapsed()).isPositive();
  }

  @Test
  void noRelayIsAFailureWithTheReason() throws Exception {
    Future<Transfer> f =
        RelaySpeedSample.measure(RelayConnector.NONE, group.next(), 64, Duration.ofSeconds(10))
            .await();
    assertThat(f.cause())
        .isInstanceOf(DialException.class)
        .hasMessageContaining("no relay configured for speed-sample.invalid:64");
  }
}
