package io.sidestep.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A TCP server on a loopback address, port 0, that echoes and records each peer address. */
final class EchoServer implements AutoCloseable {
  private final ServerSocket server;
  private final List<SocketAddress> peers = new CopyOnWriteArrayList<>();

  EchoServer(String address) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getByName(address));
    Thread t = new Thread(this::accept, "echo-" + server.getLocalPort());
    t.setDaemon(true);
    t.start();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        peers.add(s.getRemoteSocketAddress());
        Thread t =
            new Thread(
                () -> {
                  try (s;
                      InputStream in = s.getInputStream();
                      OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                  } catch (IOException e) {
                    // peer went away
                  }
                });
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  int port() {
    return server.getLocalPort();
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  List<SocketAddress> peers() {
    return peers;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
