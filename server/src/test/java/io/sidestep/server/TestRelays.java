package io.sidestep.server;

import io.sidestep.core.net.Cidr;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Relay builders the tests start from: a free loopback port and a temporary state directory. */
final class TestRelays {
  private TestRelays() {}

  /** Listens on a free loopback port, with its state in {@code state}. */
  static Relay.Builder onLoopback(Path state) {
    return Relay.builder()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .stateDir(state);
  }

  /** As {@link #onLoopback}, and allowed to reach 127.0.0.1, where the tests' origins listen. */
  static Relay.Builder reachingLoopback(Path state) {
    return onLoopback(state).allowDestination(Cidr.parse("127.0.0.1/32"));
  }
}
