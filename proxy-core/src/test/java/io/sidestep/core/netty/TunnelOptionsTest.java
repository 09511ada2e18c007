package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.sidestep.core.net.Failure;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TunnelOptionsTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static final ChannelInitializer<Channel> NOTHING =
      new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {}
      };

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      return s.getLocalPort();
    }
  }

  @Test
  void triesTheAddressesInTurnAndFailsWithTheLastCause() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (ServerSocket open = new ServerSocket(0, 1, LOOPBACK)) {
      InetSocketAddress closed = new InetSocketAddress(LOOPBACK, closedPort());
      InetSocketAddress listening = new InetSocketAddress(LOOPBACK, open.getLocalPort());
      Future<Channel> f =
          TunnelOptions.connectInTurn(
                  group.next(), List.of(closed, listening), Duration.ofSeconds(5), null, NOTHING)
              .await();
      assertThat(f.isSuccess()).isTrue();
      assertThat(f.getNow().remoteAddress()).isEqualTo(listening);
      assertThat(f.getNow().config().isAutoRead()).as("a tunnel reads when it is ready").isFalse();
      f.getNow().close();
      Future<Channel> none =
          TunnelOptions.connectInTurn(
                  group.next(), List.of(closed), Duration.ofSeconds(5), null, NOTHING)
              .await();
      assertThat(Failures.kindOf(none.cause())).isEqualTo(Failure.CONNECT_REFUSED);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
