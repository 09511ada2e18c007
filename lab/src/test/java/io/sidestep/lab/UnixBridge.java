package io.sidestep.lab;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Carries TCP connections between two network namespaces through a Unix socket, which belongs to
 * the file system and so is reachable from both. The lab's user host has no route to the machine's
 * own network; a browser driven from the test (outside the lab) reaches a lab client's dashboard as
 * {@code localhost:PORT} this way: the test listens on that port outside and connects to the
 * socket, and {@link #main} (started inside the user host) listens on the socket and connects to
 * the client's door.
 */
final class UnixBridge implements AutoCloseable {
  private final ServerSocketChannel server;
  private final Thread acceptor;

  private UnixBridge(ServerSocketChannel server, Supplier<SocketChannel> dial, String name) {
    this.server = server;
    this.acceptor = new Thread(() -> accept(server, dial), name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Inside a namespace: {@code UnixBridge SOCKET HOST PORT} listens on SOCKET, dials HOST:PORT. */
  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    InetSocketAddress target = new InetSocketAddress(args[1], Integer.parseInt(args[2]));
    Files.deleteIfExists(socket);
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    System.out.println("bridging " + socket + " to " + target);
    accept(server, () -> open(target));
  }

  /** Here: listens on {@code 127.0.0.1:port} and carries each connection to {@code socket}. */
  static UnixBridge tcpToUnix(int port, Path socket) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port));
    return new UnixBridge(server, () -> open(UnixDomainSocketAddress.of(socket)), "bridge " + port);
  }

  private static SocketChannel open(SocketAddress to) {
    try {
      return SocketChannel.open(to);
    } catch (IOException e) {
      return null;
    }
  }

  private static void accept(ServerSocketChannel server, Supplier<SocketChannel> dial) {
    while (server.isOpen()) {
      SocketChannel in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return;
      }
      SocketChannel out = dial.get();
      if (out == null) {
        closeQuietly(in);
        continue;
      }
      pump(in, out);
      pump(out, in);
    }
  }

  /** Copies {@code from} to {@code to} on a thread of its own, passing the end of input on. */
  private static void pump(SocketChannel from, SocketChannel to) {
    Thread t =
        new Thread(
            () -> {
              ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
              try {
                while (from.read(buf) >= 0) {
                  buf.flip();
                  while (buf.hasRemaining()) {
                    to.write(buf);
                  }
                  buf.clear();
                }
                to.shutdownOutput();
              } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
              }
            });
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // Already closed by the other direction.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
