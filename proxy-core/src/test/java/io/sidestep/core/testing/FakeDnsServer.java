package io.sidestep.core.testing;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.net.IpLiterals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A tiny DNS server over UDP on 127.0.0.1, port 0, that answers what a test tells it to: addresses,
 * NXDOMAIN, an empty answer, or nothing at all (a timeout). Names it was not told about get
 * NXDOMAIN. It records every question, which shows whether a name ever reached the local resolver.
 * Give the client {@code --dns 127.0.0.1:PORT}.
 */
public final class FakeDnsServer implements AutoCloseable {

  private sealed interface Answer {}

  private record Addresses(List<InetAddress> list) implements Answer {}

  private record Rcode(DnsResponseCode rcode) implements Answer {}

  private record Drop() implements Answer {}

  private final DatagramSocket socket;
  private final Thread thread;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final List<String> questions = new CopyOnWriteArrayList<>();

  private FakeDnsServer(DatagramSocket socket) {
    this.socket = socket;
    this.thread = new Thread(this::serve, "fake-dns-" + socket.getLocalPort());
    thread.setDaemon(true);
    thread.start();
  }

  public static FakeDnsServer start() {
    try {
      return new FakeDnsServer(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
    } catch (SocketException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code 127.0.0.1:PORT}, the value for {@code --dns}. */
  public String address() {
    return "127.0.0.1:" + socket.getLocalPort();
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Answers {@code name} with these addresses (A for IPv4, AAAA for IPv6). */
  public FakeDnsServer answer(String name, String... addresses) {
    answers.put(key(name), new Addresses(Arrays.stream(addresses).map(IpLiterals::parse).toList()));
    return this;
  }

  public FakeDnsServer nxdomain(String name) {
    answers.put(key(name), new Rcode(DnsResponseCode.NXDOMAIN));
    return this;
  }

  public FakeDnsServer servfail(String name) {
    answers.put(key(name), new Rcode(DnsResponseCode.SERVFAIL));
    return this;
  }

  /** Never answers questions about {@code name}. */
  public FakeDnsServer drop(String name) {
    answers.put(key(name), new Drop());
    return this;
  }

  /** Every name asked about, in order (one entry per question, A and AAAA separately). */
  public List<String> questions() {
    return List.copyOf(questions);
  }

  public boolean wasAsked(String name) {
    return questions.contains(key(name));
  }

  private static String key(String name) {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
  }

  private void serve() {
    byte[] buf = new byte[4096];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (IOException e) {
        return;
      }
      try {
        byte[] out =
            DnsMessages.respond(Arrays.copyOf(p.getData(), p.getLength()), 60, this::answer);
        socket.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
      } catch (RuntimeException | IOException e) {
        // a query this server cannot parse gets no answer
      }
    }
  }

  private DnsAnswer answer(String name, DnsRecordType type) {
    questions.add(name);
    Answer a = answers.getOrDefault(name, new Rcode(DnsResponseCode.NXDOMAIN));
    if (a instanceof Drop) {
      throw new IllegalStateException("dropped: " + name); // no answer is sent
    } else if (a instanceof Rcode rc) {
      return DnsAnswer.error(rc.rcode());
    }
    Class<?> family = type.equals(DnsRecordType.A) ? Inet4Address.class : Inet6Address.class;
    boolean address = type.equals(DnsRecordType.A) || type.equals(DnsRecordType.AAAA);
    return DnsAnswer.of(
        ((Addresses) a).list().stream().filter(x -> address && family.isInstance(x)).toList());
  }

  @Override
  public void close() {
    socket.close();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
