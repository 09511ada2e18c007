package io.sidestep.core.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port where nothing listens, for as long as this is open: a socket bound to the port
 * and never listening holds it, so connections are refused and no other server can take the port
 * while the test runs (binding a server socket and closing it leaves the port free for anyone).
 */
public final class ClosedPort implements AutoCloseable {
  private final Socket socket = new Socket();

  private ClosedPort() {
    try {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Binds a fresh port on 127.0.0.1. */
  public static ClosedPort open() {
    return new ClosedPort();
  }

  public int port() {
    return socket.getLocalPort();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing held any more either way
    }
  }
}
