package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The SOCKS5 door on direct routes, against real echo servers on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocksDoorTest {

  static EchoServer origin4;
  static EchoServer origin6;
  static FakeResolver resolver;
  static Client client;

  @BeforeAll
  static void start() throws IOException {
    origin4 = new EchoServer("127.0.0.1");
    origin6 = new EchoServer("::1");
    resolver = new FakeResolver().answer("origin.test", "127.0.0.1");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .resolver(resolver)
            .handshakeTimeout(Duration.ofMillis(800))
            .threads(2)
            .router(
                d ->
                    d.host().startsWith("blocked")
                        ? new Decision(Action.REJECT, "test: blocked.*")
                        : new Decision(Action.DIRECT, "test: everything else"))
            .start();
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    origin4.close();
    origin6.close();
  }

  private static Socks5 open() throws IOException {
    return new Socks5(client.socksAddress());
  }

  @Test
  void connectsByNameThroughTheDirectResolver() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("origin.test", origin4.port())).as("SOCKS5 reply code").isZero();
      assertThat(s.echo("hello by name")).isEqualTo("hello by name");
    }
    assertThat(resolver.asked()).contains("origin.test");
  }

  @Test
  void connectsByIpv4Address() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin4.port())).isZero();
      assertThat(s.echo("hello v4")).isEqualTo("hello v4");
    }
  }

  @Test
  void connectsByIpv6Address() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("::1"), origin6.port())).isZero();
      assertThat(s.echo("hello v6")).isEqualTo("hello v6");
    }
  }

  @Test
  void keepsBytesSentRightBehindTheConnect() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      byte[] a = InetAddress.getByName("127.0.0.1").getAddress();
      int p = origin4.port();
      byte[] request = {5, 1, 0, 1, a[0], a[1], a[2], a[3], (byte) (p >> 8), (byte) p};
      byte[] data = "early bytes".getBytes();
      byte[] both = new byte[request.length + data.length];
      System.arraycopy(request, 0, both, 0, request.length);
      System.arraycopy(data, 0, both, request.length, data.length);
      s.out.write(both);
      s.out.flush();
      assertThat(s.reply()).isZero();
      assertThat(new String(s.in.readNBytes(data.length))).isEqualTo("early bytes");
    }
  }

  @Test
  void halfCloseIsPassedOnAndTheAnswerStillComesBack() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin4.port())).isZero();
      s.out.write("request then FIN".getBytes());
      s.out.flush();
      s.socket.shutdownOutput();
      assertThat(new String(s.in.readAllBytes()))
          .as("the origin saw the FIN, answered and closed")
          .isEqualTo("request then FIN");
    }
  }

  @Test
  void rejectRuleGetsNotAllowed() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("blocked.test", 443))
          .as("0x02: not allowed by ruleset")
          .isEqualTo(2);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void refusedConnectGetsConnectionRefused() throws IOException {
    int closed;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closed = ss.getLocalPort();
    }
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), closed)).isEqualTo(5);
    }
  }

  @Test
  void unresolvableNameGetsHostUnreachable() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("nowhere.test", 80)).isEqualTo(4);
    }
  }

  @Test
  void bindAndUdpGetCommandNotSupported() throws IOException {
    for (int command : new int[] {2, 3}) {
      try (Socks5 s = open()) {
        assertThat(s.greet()).isZero();
        s.out.write(new byte[] {5, (byte) command, 0, 1, 127, 0, 0, 1, 0, 80});
        s.out.flush();
        assertThat(s.reply()).as("command %d", command).isEqualTo(7);
        assertThat(s.closedByPeer()).isTrue();
      }
    }
  }

  @Test
  void unknownAddressTypeGetsAddressTypeNotSupported() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      s.out.write(new byte[] {5, 1, 0, 9, 127, 0, 0, 1, 0, 80});
      s.out.flush();
      assertThat(s.reply()).isEqualTo(8);
    }
  }

  @Test
  void aNameThatIsNoHostNameGetsGeneralFailure() throws IOException {
    // Control characters (Sidestep's own check), a label over 63 characters (Netty's decoder's).
    for (String name : List.of("evil\r\nname.example", "a".repeat(255))) {
      try (Socks5 s = open()) {
        assertThat(s.greet()).isZero();
        assertThat(s.connectName(name, 80)).as("%.20s", name).isEqualTo(1);
        assertThat(s.closedByPeer()).isTrue();
      }
    }
    assertStillServing();
  }

  @Test
  void badVersionIsClosed() throws IOException {
    try (Socks5 s = open()) {
      s.out.write(new byte[] {4, 1, 0, 80, 127, 0, 0, 1, 0});
      s.out.flush();
      assertThat(s.closedByPeer()).isTrue();
    }
    assertStillServing();
  }

  @Test
  void garbageIsClosed() throws IOException {
    try (Socks5 s = open()) {
      s.out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
      s.out.flush();
      assertThat(s.closedByPeer()).isTrue();
    }
    assertStillServing();
  }

  @Test
  void truncatedConnectThenEofIsClosed() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      s.out.write(new byte[] {5, 1, 0, 3, 20, 'a', 'b'});
      s.out.flush();
      s.socket.shutdownOutput();
      assertThat(s.closedByPeer()).isTrue();
    }
    assertStillServing();
  }

  @Test
  void truncatedConnectIsClosedByTheHandshakeTimeout() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      s.out.write(new byte[] {5, 1, 0, 1, 127});
      s.out.flush();
      assertThat(s.closedByPeer()).as("closed after the 800 ms handshake timeout").isTrue();
    }
    assertStillServing();
  }

  @Test
  void silentClientIsClosedByTheHandshakeTimeout() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void offersOnlyNoAuthWithoutCredentials() throws IOException {
    try (Socks5 s = open()) {
      s.out.write(new byte[] {5, 1, 2});
      s.out.flush();
      byte[] r = s.in.readNBytes(2);
      assertThat(r[1] & 0xff).as("0xFF: no acceptable method").isEqualTo(0xff);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void nonLoopbackDoorWithoutCredentialsIsRefused() {
    assertThatThrownBy(
            () ->
                Client.builder()
                    .http(new InetSocketAddress("127.0.0.1", 0))
                    .socks(new InetSocketAddress("0.0.0.0", 0))
                    .start())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("socks door")
        .hasMessageContaining("0.0.0.0")
        .hasMessageContaining("--door-credentials");
    assertThatThrownBy(
            () ->
                Client.builder()
                    .http(new InetSocketAddress("0.0.0.0", 0))
                    .socks(new InetSocketAddress("127.0.0.1", 0))
                    .start())
        .hasMessageContaining("http door");
  }

  @Test
  void doorsListenOnIpv6Loopback() throws IOException {
    try (Client v6 =
            Client.builder()
                .http(new InetSocketAddress("::1", 0))
                .socks(new InetSocketAddress("::1", 0))
                .resolver(new FakeResolver())
                .threads(1)
                .start();
        Socks5 s = new Socks5(v6.socksAddress())) {
      assertThat(v6.httpAddress().getAddress().getHostAddress()).isEqualTo("0:0:0:0:0:0:0:1");
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("::1"), origin6.port())).isZero();
      assertThat(s.echo("door on ::1")).isEqualTo("door on ::1");
    }
  }

  private static void assertStillServing() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin4.port())).isZero();
      assertThat(s.echo("still here")).isEqualTo("still here");
    }
  }

  @Test
  void anUnknownAddressTypeIsAnsweredAsUnsupported() throws IOException {
    try (Socks5 s = open()) {
      assertThat(s.greet()).isZero();
      s.out.write(new byte[] {5, 1, 0, 9, 1, 2, 3, 4, 0, 80});
      s.out.flush();
      assertThat(s.reply()).as("0x08: address type not supported").isEqualTo(8);
    }
  }
}
