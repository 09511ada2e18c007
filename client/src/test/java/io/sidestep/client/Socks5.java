package io.sidestep.client;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw-socket SOCKS5 client for tests: every byte is written by hand, so tests can break it. */
final class Socks5 implements AutoCloseable {
  final Socket socket;
  final DataInputStream in;
  final OutputStream out;

  Socks5(InetSocketAddress door) throws IOException {
    socket = new Socket();
    socket.connect(door, 5000);
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Offers no-auth; returns the method the server chose. */
  int greet() throws IOException {
    out.write(new byte[] {5, 1, 0});
    out.flush();
    byte[] r = in.readNBytes(2);
    return r.length < 2 ? -1 : r[1] & 0xff;
  }

  /** Offers user/password and authenticates; returns the auth status (0 = ok), -1 on close. */
  int login(String user, String password) throws IOException {
    out.write(new byte[] {5, 1, 2});
    out.flush();
    byte[] r = in.readNBytes(2);
    if (r.length < 2 || r[1] != 2) {
      return -1;
    }
    byte[] u = user.getBytes(StandardCharsets.UTF_8);
    byte[] p = password.getBytes(StandardCharsets.UTF_8);
    out.write(1);
    out.write(u.length);
    out.write(u);
    out.write(p.length);
    out.write(p);
    out.flush();
    byte[] a = in.readNBytes(2);
    return a.length < 2 ? -1 : a[1] & 0xff;
  }

  /** Sends CONNECT to a domain name; returns the reply code, -1 if the door closed. */
  int connectName(String host, int port) throws IOException {
    byte[] h = host.getBytes(StandardCharsets.US_ASCII);
    out.write(new byte[] {5, 1, 0, 3, (byte) h.length});
    out.write(h);
    out.write(new byte[] {(byte) (port >> 8), (byte) port});
    out.flush();
    return reply();
  }

  /** Sends CONNECT to an IPv4 or IPv6 address; returns the reply code, -1 if the door closed. */
  int connectAddress(InetAddress address, int port) throws IOException {
    byte[] a = address.getAddress();
    out.write(new byte[] {5, 1, 0, (byte) (a.length == 4 ? 1 : 4)});
    out.write(a);
    out.write(new byte[] {(byte) (port >> 8), (byte) port});
    out.flush();
    return reply();
  }

  int reply() throws IOException {
    byte[] head = in.readNBytes(4);
    if (head.length < 4) {
      return -1;
    }
    int len =
        switch (head[3]) {
          case 1 -> 4;
          case 4 -> 16;
          case 3 -> in.readUnsignedByte();
          default -> 0;
        };
    in.readNBytes(len + 2);
    return head[1] & 0xff;
  }

  /** Writes {@code text} and reads back exactly as many bytes. */
  String echo(String text) throws IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    out.write(b);
    out.flush();
    return new String(in.readNBytes(b.length), StandardCharsets.UTF_8);
  }

  /** True when the door closed the connection: a read ends (EOF or reset) without data. */
  boolean closedByPeer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return !(e instanceof java.net.SocketTimeoutException);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
