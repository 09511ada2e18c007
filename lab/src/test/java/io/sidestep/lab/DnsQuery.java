package io.sidestep.lab;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal DNS client the lab runs inside a namespace ({@code java -cp test-classes
 * io.sidestep.lab.DnsQuery SERVER NAME...}), because the lab machine need not have dig. It asks
 * SERVER for the A records of each NAME over UDP and prints one line per name: {@code NAME rcode=N
 * a=IP,IP} or {@code NAME timeout}. Parsing is the small subset the lab needs.
 */
public final class DnsQuery {
  private DnsQuery() {}

  /** One parsed answer line. {@code rcode} is -1 for a timeout. */
  record Answer(String name, int rcode, List<String> addresses) {
    static Answer parse(String line) {
      String[] f = line.strip().split(" ");
      if (f.length < 2 || f[1].equals("timeout")) {
        return new Answer(f[0], -1, List.of());
      }
      int rcode = Integer.parseInt(f[1].substring("rcode=".length()));
      String a = f.length > 2 ? f[2].substring("a=".length()) : "";
      return new Answer(f[0], rcode, a.isEmpty() ? List.of() : List.of(a.split(",")));
    }

    @Override
    public String toString() {
      return rcode < 0 ? name + " timeout" : name + " rcode=" + rcode + " a=" + addresses;
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: DnsQuery SERVER NAME...");
      System.exit(2);
    }
    InetSocketAddress server = new InetSocketAddress(InetAddress.getByName(args[0]), 53);
    SecureRandom random = new SecureRandom();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(2000);
      for (int i = 1; i < args.length; i++) {
        System.out.println(ask(socket, server, args[i], random.nextInt(1 << 16)));
      }
    }
  }

  private static String ask(DatagramSocket socket, InetSocketAddress server, String name, int id)
      throws Exception {
    byte[] query = query(name, id);
    for (int attempt = 0; attempt < 2; attempt++) {
      socket.send(new DatagramPacket(query, query.length, server));
      byte[] buf = new byte[1500];
      DatagramPacket reply = new DatagramPacket(buf, buf.length);
      try {
        while (true) {
          socket.receive(reply);
          ByteBuffer b = ByteBuffer.wrap(buf, 0, reply.getLength());
          if ((b.getShort(0) & 0xffff) == id) {
            return name + " " + parse(b);
          }
        }
      } catch (SocketTimeoutException e) {
        // ask again once
      }
    }
    return name + " timeout";
  }

  private static byte[] query(String name, int id) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer header = ByteBuffer.allocate(12);
    header.putShort((short) id).putShort((short) 0x0100).putShort((short) 1);
    header.putShort((short) 0).putShort((short) 0).putShort((short) 0);
    out.writeBytes(header.array());
    for (String label : name.split("\\.")) {
      byte[] l = label.getBytes(StandardCharsets.US_ASCII);
      out.write(l.length);
      out.writeBytes(l);
    }
    out.write(0);
    out.writeBytes(new byte[] {0, 1, 0, 1}); // type A, class IN
    return out.toByteArray();
  }

  private static String parse(ByteBuffer b) {
    int rcode = b.getShort(2) & 0xf;
    int questions = b.getShort(4) & 0xffff;
    int answers = b.getShort(6) & 0xffff;
    b.position(12);
    for (int i = 0; i < questions; i++) {
      skipName(b);
      b.position(b.position() + 4);
    }
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < answers; i++) {
      skipName(b);
      int type = b.getShort() & 0xffff;
      b.getShort(); // class
      b.getInt(); // ttl
      int length = b.getShort() & 0xffff;
      if (type == 1 && length == 4) {
        addresses.add(
            (b.get() & 0xff)
                + "."
                + (b.get() & 0xff)
                + "."
                + (b.get() & 0xff)
                + "."
                + (b.get() & 0xff));
      } else {
        b.position(b.position() + length);
      }
    }
    return "rcode=" + rcode + " a=" + String.join(",", addresses);
  }

  private static void skipName(ByteBuffer b) {
    while (true) {
      int len = b.get() & 0xff;
      if (len == 0) {
        return;
      }
      if ((len & 0xc0) == 0xc0) {
        b.get();
        return;
      }
      b.position(b.position() + len);
    }
  }
}
