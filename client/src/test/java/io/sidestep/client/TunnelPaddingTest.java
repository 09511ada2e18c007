package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.server.Relay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The padding of a tunnel's first flights between the client and a real relay: on the wire the
 * first eight records each way are longer than what they carry and vary, the ninth on are not; and
 * a client or relay without padding still talks to one with it, unpadded.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TunnelPaddingTest {

  @TempDir static Path relayState;
  static EchoServer echo;
  static Relay relay;
  static AccessKey key;

  @BeforeAll
  static void start() throws IOException {
    echo = new EchoServer("127.0.0.1");
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .ioThreads(1)
            .start();
    key = relay.addUser("alice"); // the client offers padding by default
  }

  @AfterAll
  static void stop() throws Exception {
    relay.close();
    echo.close();
  }

  private static Client clientWith(AccessKey k) {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .relays(List.of(k))
        .threads(1)
        .relayConnectTimeout(Duration.ofSeconds(5))
        .router(d -> new Decision(Action.RELAY, "test: everything relayed"))
        .start();
  }

  /** A TCP forwarder to {@code target} that records the bytes of each direction. */
  static final class Tap implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
    final ByteArrayOutputStream up = new ByteArrayOutputStream();
    final ByteArrayOutputStream down = new ByteArrayOutputStream();

    Tap(InetSocketAddress target) throws IOException {
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    Socket a = server.accept();
                    Socket b = new Socket(target.getAddress(), target.getPort());
                    pump(a, b, up);
                    pump(b, a, down);
                  } catch (IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    private static void pump(Socket from, Socket to, ByteArrayOutputStream record) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[16384];
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (record) {
                      record.write(buf, 0, n);
                    }
                    out.write(buf, 0, n);
                  }
                } catch (IOException e) {
                  // one side went away
                } finally {
                  try {
                    to.close();
                    from.close();
                  } catch (IOException e) {
                    // closing anyway
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** The lengths of the TLS application-data records (type 23) seen so far one way. */
    static List<Integer> appDataRecords(ByteArrayOutputStream stream) {
      byte[] b;
      synchronized (stream) {
        b = stream.toByteArray();
      }
      List<Integer> lengths = new ArrayList<>();
      for (int i = 0; i + 5 <= b.length; ) {
        int length = (b[i + 3] & 0xff) << 8 | (b[i + 4] & 0xff);
        if (b[i] == 23) {
          lengths.add(length);
        }
        i += 5 + length;
      }
      return lengths;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  /**
   * Sends {@code n} messages of {@code size} bytes through {@code s}, each echoed before the next.
   */
  private static void echoRounds(Socks5 s, int n, int size) throws IOException {
    for (int i = 0; i < n; i++) {
      byte[] msg = new byte[size];
      Arrays.fill(msg, (byte) ('a' + i));
      s.out.write(msg);
      s.out.flush();
      assertThat(s.in.readNBytes(size)).as("echo of message %d", i).isEqualTo(msg);
    }
  }

  @Test
  void theFirstEightRecordsEachWayArePaddedAndTheRestAreNot() throws Exception {
    int size = 100;
    // The inner content type and AEAD tag of TLS 1.3, and the HTTP/2 DATA frame's header.
    int tls13Overhead = 1 + 16 + 9;
    try (Tap tap = new Tap(relay.address());
        Client client =
            clientWith(
                new AccessKey(
                    key.user(),
                    key.token(),
                    Destination.of("127.0.0.1", tap.port()),
                    key.pin(),
                    "tapped"));
        Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
      echoRounds(s, 12, size);
      for (var way : List.of(tap.up, tap.down)) {
        List<Integer> all = Tap.appDataRecords(way);
        List<Integer> last = all.subList(all.size() - 12, all.size());
        List<Integer> padded = last.subList(0, FirstFlightPadding.FRAMES);
        assertThat(padded)
            .as("records %s: the first eight carry a 3-byte header and 0-255 bytes of padding", all)
            .allSatisfy(
                n ->
                    assertThat(n)
                        .isBetween(size + 3 + tls13Overhead, size + 3 + 255 + tls13Overhead));
        assertThat(padded.stream().distinct().count())
            .as("records %s: their sizes differ though the payloads' do not", all)
            .isGreaterThan(1);
        assertThat(last.subList(FirstFlightPadding.FRAMES, 12))
            .as("records %s: from the ninth on, the payload as it is", all)
            .containsOnly(size + tls13Overhead);
      }
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed in the head: " + head);
      }
      head.write(b);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void aClientWithoutPaddingGetsAnUnpaddedTunnel() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustingManager()}, null);
    try (SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", relay.address().getPort())) {
      s.setSoTimeout(10_000);
      String basic =
          Base64.getEncoder()
              .encodeToString((key.user() + ":" + key.token()).getBytes(StandardCharsets.UTF_8));
      String target = "127.0.0.1:" + echo.port();
      OutputStream out = s.getOutputStream();
      out.write(
          ("CONNECT "
                  + target
                  + " HTTP/1.1\r\nHost: "
                  + target
                  + "\r\nProxy-Authorization: Basic "
                  + basic
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String head = readHead(s.getInputStream());
      assertThat(head).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("padding");
      out.write("plain bytes".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(new String(s.getInputStream().readNBytes(11), StandardCharsets.US_ASCII))
          .isEqualTo("plain bytes");
    }
  }

  /**
   * A client that pads may send its first frame right behind the CONNECT, before the 200: the relay
   * takes it apart once the tunnel is up, and pads its own first flight.
   */
  @Test
  void aPaddedFrameThatCameWithTheConnectIsTakenApart() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {new TrustingManager()}, null);
    try (SSLSocket s =
        (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", relay.address().getPort())) {
      s.setSoTimeout(10_000);
      String basic =
          Base64.getEncoder()
              .encodeToString((key.user() + ":" + key.token()).getBytes(StandardCharsets.UTF_8));
      String target = "127.0.0.1:" + echo.port();
      ByteArrayOutputStream request = new ByteArrayOutputStream();
      request.writeBytes(
          ("CONNECT "
                  + target
                  + " HTTP/1.1\r\nHost: "
                  + target
                  + "\r\nPadding: ~~~~~~~~~~~~~~~~\r\nProxy-Authorization: Basic "
                  + basic
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      request.writeBytes(new byte[] {0, 5, 2, 'h', 'e', 'l', 'l', 'o', 0, 0});
      OutputStream out = s.getOutputStream();
      out.write(request.toByteArray());
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(readHead(in)).startsWith("HTTP/1.1 200").containsIgnoringCase("\r\npadding: ~");
      byte[] header = in.readNBytes(3);
      int length = (header[0] & 0xff) << 8 | (header[1] & 0xff);
      assertThat(length).as("the echo comes back in one frame").isEqualTo(5);
      assertThat(new String(in.readNBytes(length), StandardCharsets.US_ASCII)).isEqualTo("hello");
      assertThat(in.readNBytes(header[2] & 0xff)).as("zeros").containsOnly(0);
    }
  }

  /** The relay's certificate is not what these tests are about. */
  private static final class TrustingManager implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
