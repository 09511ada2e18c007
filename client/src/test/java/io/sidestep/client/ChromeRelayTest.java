package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.TlsEngines;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client with {@code sidestep.tls.engine=chrome} (a Chrome-shaped hello through Bouncy Castle)
 * and a real relay: tunnels carry data both ways, and a relay whose key is not the pinned one is
 * refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChromeRelayTest {

  @TempDir static Path relayState;
  static TestOrigin origin;
  static EchoServer echo;
  static Relay relay;
  static AccessKey key;
  static String engineBefore;

  @BeforeAll
  static void start() throws IOException {
    engineBefore = System.getProperty(TlsEngines.PROPERTY);
    System.setProperty(TlsEngines.PROPERTY, "chrome");
    origin = TestOrigin.http();
    echo = new EchoServer("127.0.0.1");
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .ioThreads(1)
            .start();
    key = relay.addUser("alice");
  }

  @AfterAll
  static void stop() throws Exception {
    relay.close();
    origin.close();
    echo.close();
    if (engineBefore == null) {
      System.clearProperty(TlsEngines.PROPERTY);
    } else {
      System.setProperty(TlsEngines.PROPERTY, engineBefore);
    }
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

  @Test
  void tunnelsThroughTheRelay() throws Exception {
    try (Client client = clientWith(key);
        Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin.port())).isZero();
      s.out.write("GET /x HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n".getBytes());
      s.out.flush();
      assertThat(new String(s.in.readAllBytes(), StandardCharsets.UTF_8)).contains(TestOrigin.BODY);
    }
  }

  @Test
  void carriesBulkDataBothWays() throws Exception {
    byte[] sent = new byte[3 * 1024 * 1024 + 17]; // many records, and a partial one
    new Random(7).nextBytes(sent);
    try (Client client = clientWith(key);
        Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
      Thread writer =
          new Thread(
              () -> {
                try {
                  s.out.write(sent);
                  s.out.flush();
                } catch (IOException e) {
                  // the read below fails then
                }
              });
      writer.start();
      byte[] got = s.in.readNBytes(sent.length);
      writer.join();
      assertThat(Arrays.equals(got, sent)).as("echoed bytes equal sent bytes").isTrue();
    }
  }

  @Test
  void aRelayWithAnotherKeyThanThePinnedOneIsRefused() throws Exception {
    String otherPin = CertificateBuilder.subject("CN=someone else").selfSigned().pin();
    AccessKey wrongPin =
        new AccessKey(key.user(), key.token(), key.relay(), Optional.of(otherPin), "pinned");
    try (LogCapture log = LogCapture.of("io.sidestep.client.relay.RelayTransport");
        Client client = clientWith(wrongPin);
        Socks5 s = new Socks5(client.socksAddress())) {
      int before = origin.requests().size();
      assertThat(s.greet()).isZero();
      assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin.port()))
          .as("0x01: no usable relay")
          .isEqualTo(1);
      String line = log.await(l -> l.contains("refusing relay"), Duration.ofSeconds(5));
      assertThat(line).contains(otherPin).contains(relay.pin()).doesNotContain(key.token());
      assertThat(origin.requests()).hasSize(before);
    }
  }
}
