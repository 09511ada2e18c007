package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With door credentials both doors demand them; a door on a non-loopback address (here the wildcard
 * address, reached only over loopback) starts because it has them.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DoorCredentialsTest {

  static EchoServer echo;
  static Client client;
  static InetSocketAddress http;
  static InetSocketAddress socks;

  @BeforeAll
  static void start() throws IOException {
    echo = new EchoServer("127.0.0.1");
    client =
        Client.builder()
            .http(new InetSocketAddress("0.0.0.0", 0))
            .socks(new InetSocketAddress("0.0.0.0", 0))
            .credentials(DoorCredentials.parse("alice:s3cret:with:colons"))
            .threads(2)
            .router(d -> new Decision(Action.DIRECT, "test"))
            .start();
    http = new InetSocketAddress("127.0.0.1", client.httpAddress().getPort());
    socks = new InetSocketAddress("127.0.0.1", client.socksAddress().getPort());
  }

  @AfterAll
  static void stop() throws IOException {
    client.close();
    echo.close();
  }

  @Test
  void socksWithoutCredentialsIsTurnedAway() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.greet()).as("0xFF: only user/password is acceptable").isEqualTo(0xff);
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void socksWithWrongPasswordFails() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.login("alice", "wrong")).isNotZero();
      assertThat(s.closedByPeer()).isTrue();
    }
  }

  @Test
  void socksWithCredentialsConnects() throws IOException {
    try (Socks5 s = new Socks5(socks)) {
      assertThat(s.login("alice", "s3cret:with:colons")).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
      assertThat(s.echo("authenticated")).isEqualTo("authenticated");
    }
  }

  @Test
  void httpWithoutCredentialsGets407() throws IOException {
    assertThat(connect(null)).startsWith("HTTP/1.1 407");
    assertThat(connect("alice:wrong")).startsWith("HTTP/1.1 407");
  }

  @Test
  void httpWithCredentialsConnects() throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5000);
      s.setSoTimeout(10_000);
      String target = "127.0.0.1:" + echo.port();
      OutputStream out = s.getOutputStream();
      out.write(request(target, "alice:s3cret:with:colons").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(HttpDoorTest.readHead(s.getInputStream())).startsWith("HTTP/1.1 200");
      out.write("authenticated".getBytes());
      out.flush();
      assertThat(new String(s.getInputStream().readNBytes(13))).isEqualTo("authenticated");
    }
  }

  @Test
  void credentialsNeverAppearInToString() {
    assertThat(DoorCredentials.parse("bob:hunter2").toString()).doesNotContain("hunter2");
    assertThatThrownBy(() -> DoorCredentials.parse("bob")).hasMessageContaining("USER:PASSWORD");
  }

  private static String connect(String credentials) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(http, 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              request("127.0.0.1:" + echo.port(), credentials).getBytes(StandardCharsets.US_ASCII));
      return HttpDoorTest.readHead(s.getInputStream());
    }
  }

  private static String request(String target, String credentials) {
    String auth =
        credentials == null
            ? ""
            : "Proxy-Authorization: Basic "
                + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8))
                + "\r\n";
    return "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n" + auth + "\r\n";
  }
}
