package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per source address: a cap on unauthenticated connections and on new connections per second, and a
 * total for unauthenticated connections that leaves room for users. One flooding source (127.0.0.2)
 * does not stop another (127.0.0.3) from being served.
 */
@Timeout(60)
class SourceLimitsTest {

  static final InetAddress FLOODER = address("127.0.0.2");
  static final InetAddress OTHER = address("127.0.0.3");

  @TempDir Path state;

  static InetAddress address(String a) {
    try {
      return InetAddress.getByName(a);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An idle TCP connection from {@code source}: it sends nothing, so it never authenticates. */
  static Socket idle(InetAddress source, InetSocketAddress relay) throws Exception {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(source, 0));
    s.connect(relay, RelayClient.TIMEOUT_MS);
    s.setSoTimeout(RelayClient.TIMEOUT_MS);
    return s;
  }

  static int decoyStatus(InetAddress source, Relay relay) throws Exception {
    try (RelayClient c = RelayClient.connectFrom(source, relay.address())) {
      return c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n").status();
    }
  }

  // One I/O thread: the relay then sees connections in the order they were made, so the one it
  // refuses is the last one opened (with several, a later connection may become active first).
  @Test
  void oneSourceHoldsAtMostItsShareOfUnauthenticatedConnections() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (AccountsTest.Echo echo = new AccountsTest.Echo();
        Relay relay =
            TestRelays.reachingLoopback(state)
                .ioThreads(1)
                .maxUnauthenticatedPerSource(5)
                .start()) {
      AccessKey key = relay.addUser("alice");
      for (int i = 0; i < 5; i++) {
        held.add(idle(FLOODER, relay.address()));
      }
      try (Socket sixth = idle(FLOODER, relay.address())) {
        assertThat(RelayClient.readsToEnd(sixth)).as("closed at once by the relay").isTrue();
      }
      assertThat(decoyStatus(OTHER, relay)).as("another source is served").isEqualTo(200);
      try (RelayClient c = RelayClient.connectFrom(OTHER, relay.address())) {
        assertThat(c.request(RelayClient.connectRequest(echo.port(), key)).status()).isEqualTo(200);
        AccountsTest.echoes(c, 100);
      }
      held.remove(0).close();
      int status = 0;
      for (int i = 0; i < 100 && status != 200; i++) { // the relay sees the close asynchronously
        try {
          status = decoyStatus(FLOODER, relay);
        } catch (java.io.IOException e) {
          Thread.sleep(50);
        }
      }
      assertThat(status).as("a closed connection frees its place").isEqualTo(200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void oneSourceOpensAtMostItsRateOfNewConnections() throws Exception {
    try (Relay relay = TestRelays.reachingLoopback(state).acceptsPerSecondPerSource(3).start()) {
      List<Socket> sockets = new ArrayList<>();
      List<Boolean> closed = new ArrayList<>();
      try {
        for (int i = 0; i < 6; i++) {
          sockets.add(idle(FLOODER, relay.address()));
        }
        for (Socket s : sockets) {
          s.setSoTimeout(300);
          closed.add(RelayClient.readsToEnd(s));
        }
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
      // Connections are accepted on several event loops, so not necessarily in order.
      assertThat(closed.stream().filter(c -> !c).count())
          .as("a burst of three served (four if a token came back meanwhile): %s", closed)
          .isBetween(3L, 4L);
      assertThat(decoyStatus(OTHER, relay)).isEqualTo(200);
    }
  }

  @Test
  void unauthenticatedConnectionsLeaveRoomForUsers() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (AccountsTest.Echo echo = new AccountsTest.Echo();
        Relay relay =
            TestRelays.reachingLoopback(state).ioThreads(1).maxUnauthenticated(4).start();
        RelayClient user = RelayClient.connectFrom(OTHER, relay.address())) {
      AccessKey key = relay.addUser("bob");
      assertThat(user.request(RelayClient.connectRequest(echo.port(), key)).status())
          .isEqualTo(200);
      for (int i = 0; i < 4; i++) {
        held.add(idle(FLOODER, relay.address()));
      }
      try (Socket fifth = idle(OTHER, relay.address())) {
        assertThat(RelayClient.readsToEnd(fifth)).isTrue();
      }
      AccountsTest.echoes(user, 1000);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
