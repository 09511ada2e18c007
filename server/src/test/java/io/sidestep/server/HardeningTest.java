package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import io.sidestep.core.relay.AccessKey;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input on the relay's port: clients that do not read, slowloris, huge headers, garbage around
 * TLS, an HTTP/2 preface flood and thousands of idle connections. While each happens, a user from
 * another address still gets a tunnel, and the relay's memory stays within generous bounds (the
 * figures are printed, before and after).
 */
@Timeout(60)
class HardeningTest {

  static final InetAddress ATTACKER = SourceLimitsTest.address("127.0.0.2");
  static final InetAddress USER = SourceLimitsTest.address("127.0.0.3");
  static final long MB = 1 << 20;

  @TempDir Path state;
  @TempDir Path site;
  AccountsTest.Echo echo;
  Relay relay;
  AccessKey key;
  final List<Socket> held = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Files.writeString(site.resolve("index.html"), "<p>hello</p>\n");
    byte[] big = new byte[8 << 20];
    new Random(1).nextBytes(big);
    Files.write(site.resolve("big.bin"), big);
    echo = new AccountsTest.Echo();
    relay =
        TestRelays.reachingLoopback(state)
            .decoyDir(site)
            .requestTimeout(Duration.ofSeconds(2))
            .handshakeTimeout(Duration.ofSeconds(2))
            .maxUnauthenticatedPerSource(1000)
            .acceptsPerSecondPerSource(100_000)
            .start();
    key = relay.addUser("alice");
  }

  @AfterEach
  void stop() throws Exception {
    for (Socket s : held) {
      s.close();
    }
    relay.close();
    echo.close();
  }

  /** Memory in use: the heap after a collection, and Netty's direct memory. */
  record Memory(long heap, long direct) {
    static Memory now() {
      System.gc();
      Runtime rt = Runtime.getRuntime();
      long direct = Math.max(0, PlatformDependent.usedDirectMemory());
      if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
        direct = Math.max(direct, p.metric().usedDirectMemory());
      }
      for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
        if (b.getName().equals("direct")) {
          direct = Math.max(direct, b.getMemoryUsed());
        }
      }
      return new Memory(rt.totalMemory() - rt.freeMemory(), direct);
    }

    /** Prints both figures and checks the growth from {@code before}. */
    void check(String what, Memory before, long maxHeapGrowth, long maxDirectGrowth) {
      System.out.printf(
          "memory %s: heap %d -> %d MB, direct %d -> %d MB%n",
          what, before.heap / MB, heap / MB, before.direct / MB, direct / MB);
      assertThat(heap - before.heap).as("%s: heap growth", what).isLessThan(maxHeapGrowth);
      assertThat(direct - before.direct).as("%s: direct growth", what).isLessThan(maxDirectGrowth);
    }
  }

  /** A user from another address gets a tunnel that carries data, and the decoy still answers. */
  void userServed() throws Exception {
    try (RelayClient c = RelayClient.connectFrom(USER, relay.address())) {
      assertThat(c.request(RelayClient.connectRequest(echo.port(), key)).status()).isEqualTo(200);
      AccountsTest.echoes(c, 1000);
    }
    try (RelayClient c = RelayClient.connectFrom(USER, relay.address())) {
      assertThat(c.request("GET / HTTP/1.1\r\nHost: x\r\n\r\n").status()).isEqualTo(200);
    }
  }

  Socket raw(InetAddress source) throws Exception {
    return SourceLimitsTest.idle(source, relay.address());
  }

  @Test
  void clientsThatDoNotReadAnEightMegabyteFileHoldLittleMemory() throws Exception {
    Memory before = Memory.now();
    List<RelayClient> readers = new ArrayList<>();
    try {
      for (int i = 0; i < 60; i++) {
        RelayClient c = RelayClient.connectFrom(ATTACKER, relay.address());
        readers.add(c);
        c.out.write("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.out.flush();
      }
      userServed();
      Memory.now().check("60 clients not reading 8 MB", before, 256 * MB, 64 * MB);
      // A client that reads gets the file whole.
      try (RelayClient c = RelayClient.connectFrom(USER, relay.address())) {
        RelayClient.Response r = c.request("GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(Files.readAllBytes(site.resolve("big.bin")));
      }
    } finally {
      for (RelayClient c : readers) {
        c.close();
      }
    }
  }

  @Test
  void aTunnelFollowsAStreamedFileOnTheSameConnection() throws Exception {
    try (RelayClient c = RelayClient.connectFrom(USER, relay.address())) {
      RelayClient.Response r =
          c.request("GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99,-100\r\n\r\n");
      assertThat(r.status()).isEqualTo(206);
      assertThat(r.header("Content-Type")).startsWith("multipart/byteranges");
      assertThat(c.request(RelayClient.connectRequest(echo.port(), key)).status()).isEqualTo(200);
      AccountsTest.echoes(c, 1000);
    }
  }

  @Test
  void slowlorisConnectionsAreClosedAndUsersServed() throws Exception {
    Memory before = Memory.now();
    List<Socket> slow = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      slow.add(raw(ATTACKER));
    }
    held.addAll(slow);
    byte[] request = "GET / HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII);
    for (int b = 0; b < 3; b++) {
      for (Socket s : slow) {
        try {
          s.getOutputStream().write(request[b]);
        } catch (IOException closed) {
          // already closed by the relay
        }
      }
      userServed();
      Thread.sleep(1000);
    }
    Memory.now().check("200 slowloris connections", before, 64 * MB, 32 * MB);
    for (Socket s : slow) {
      assertThat(RelayClient.readsToEnd(s)).as("closed by the relay's request timeout").isTrue();
    }
  }

  /** Writes {@code bytes} (the relay may close before all are sent) and reads the answer. */
  RelayClient.Response send(byte[] bytes) throws Exception {
    try (RelayClient c = RelayClient.connectFrom(ATTACKER, relay.address())) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  c.out.write(bytes);
                  c.out.flush();
                } catch (IOException closed) {
                  // the relay answered and closed first
                }
              });
      writer.start();
      RelayClient.Response r = RelayClient.readResponse(c.in, false);
      assertThat(c.in.read()).as("closed after the answer").isEqualTo(-1);
      writer.join();
      return r;
    }
  }

  @Test
  void hugeHeaderLinesAndTooManyHeadersGetA400() throws Exception {
    Memory before = Memory.now();
    StringBuilder line = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ");
    line.append("a".repeat(1 << 20)).append("\r\n\r\n");
    StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 10_000; i++) {
      many.append("X-").append(i).append(": v\r\n");
    }
    many.append("\r\n");
    for (int i = 0; i < 10; i++) {
      for (StringBuilder req : List.of(line, many)) {
        RelayClient.Response r = send(req.toString().getBytes(StandardCharsets.US_ASCII));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("Request Header Or Cookie Too Large");
      }
      userServed();
    }
    Memory.now().check("1 MiB header lines and 10,000 headers", before, 64 * MB, 32 * MB);
  }

  @Test
  void garbageBeforeAndAfterTlsIsClosed() throws Exception {
    Memory before = Memory.now();
    Random random = new Random(2);
    for (int i = 0; i < 100; i++) {
      byte[] garbage = new byte[16 * 1024];
      random.nextBytes(garbage);
      garbage[0] = 0x16; // a TLS handshake record type, then nonsense
      try (Socket s = raw(ATTACKER)) {
        try {
          s.getOutputStream().write(garbage);
        } catch (IOException closed) {
          // closed before all was sent
        }
        assertThat(RelayClient.readsToEnd(s)).as("garbage before TLS closes").isTrue();
      }
      try (Socket s = raw(ATTACKER)) {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {RelayClient.TRUST_ALL}, null);
        SSLSocket ssl =
            (SSLSocket)
                tls.getSocketFactory()
                    .createSocket(s, "localhost", relay.address().getPort(), false);
        ssl.startHandshake();
        try {
          s.getOutputStream().write(garbage); // around the TLS layer
        } catch (IOException closed) {
          // closed before all was sent
        }
        assertThat(RelayClient.readsToEnd(s)).as("garbage after TLS closes").isTrue();
      }
    }
    userServed();
    Memory.now().check("garbage before and after TLS", before, 64 * MB, 32 * MB);
  }

  @Test
  void anHttp2PrefaceFloodIsAnsweredAndClosed() throws Exception {
    Memory before = Memory.now();
    byte[] preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    List<RelayClient> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        RelayClient c = RelayClient.connectFrom(ATTACKER, relay.address());
        flood.add(c);
        c.out.write(preface);
        c.out.flush();
      }
      userServed();
      for (RelayClient c : flood) {
        assertThat(RelayClient.readResponse(c.in, false).status()).isBetween(400, 599);
      }
    } finally {
      for (RelayClient c : flood) {
        c.close();
      }
    }
    Memory.now().check("300 HTTP/2 prefaces", before, 64 * MB, 32 * MB);
  }

  @Test
  void thousandsOfIdleConnectionsLeaveRoomForUsers() throws Exception {
    long limit =
        ((com.sun.management.UnixOperatingSystemMXBean)
                ManagementFactory.getOperatingSystemMXBean())
            .getMaxFileDescriptorCount();
    // Both ends live in this process: two descriptors a connection, and a margin for the rest.
    int count = (int) Math.min(10_000, (limit - 2000) / 2);
    Memory before = Memory.now();
    for (int i = 0; i < count; i++) {
      // Spread over sources, as a botnet would be, each within its per-source share.
      InetAddress source =
          InetAddress.getByAddress(new byte[] {127, 1, (byte) (i / 250), (byte) (1 + i % 250)});
      held.add(SourceLimitsTest.idle(source, relay.address()));
    }
    userServed();
    Memory.now().check(count + " idle connections", before, 256 * MB, 64 * MB);
    System.out.println("idle connections held: " + count);
  }
}
