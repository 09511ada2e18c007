package io.sidestep.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.dial.internal.DefaultDialer;
import io.sidestep.core.net.SystemResolver;
import io.sidestep.core.rules.Decision;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The door is stopped by the client's own close, in order; LittleProxy's own JVM shutdown hook,
 * which raced it at exit and logged an ERROR with a stack trace, is not left registered.
 */
class HttpDoorShutdownTest {

  @Test
  void littleProxysOwnShutdownHookIsNotLeftRegistered() {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    Dispatcher dispatcher =
        new Dispatcher(
            d -> Decision.auto(),
            new DefaultDialer(new SystemResolver(), RelayConnector.NONE, Duration.ofSeconds(1)),
            AutoRoute.DIRECT);
    HttpDoor door =
        HttpDoor.start(
            new InetSocketAddress("127.0.0.1", 0),
            group,
            dispatcher,
            Optional.empty(),
            new InetSocketAddress("127.0.0.1", 1080),
            HttpDoor.HostResolverHook.NONE,
            HttpDoor.OwnPages.NONE);
    try {
      Thread hook = HttpDoor.shutdownHook(door.server());
      assertThat(hook).as("LittleProxy makes one (its field is found)").isNotNull();
      assertThat(Runtime.getRuntime().removeShutdownHook(hook))
          .as("already taken away when the door started")
          .isFalse();
    } finally {
      door.close();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
