package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.LogCapture;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * A host name that could forge a log line or a rules line is refused at either door with a clean
 * answer, and what is logged about it stays on one line.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadHostTest {

  static final String FORGED = "2026-11-30 12:00:00.000 INFO  Dispatcher - forged line";
  static Client client;

  @BeforeAll
  static void start() {
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .resolver(new FakeResolver())
            .threads(2)
            .router(d -> new Decision(Action.DIRECT, "test: everything"))
            .start();
  }

  @AfterAll
  static void stop() {
    client.close();
  }

  @Test
  void socksHostWithALineBreakGetsAFailureReplyAndForgesNoLogLine() throws Exception {
    Logger socks = (Logger) LoggerFactory.getLogger("io.sidestep.client.socks");
    Level before = socks.getLevel();
    socks.setLevel(Level.DEBUG);
    try (LogCapture log = LogCapture.of("io.sidestep");
        Socks5 s = new Socks5(client.socksAddress())) {
      assertThat(s.greet()).isZero();
      assertThat(s.connectName("evil.example\n" + FORGED, 443))
          .as("SOCKS5 general failure")
          .isEqualTo(1);
      assertThat(s.closedByPeer()).isTrue();
      String refusal =
          log.await(
              l -> l.contains("bad destination") && l.contains("evil.example"),
              Duration.ofSeconds(10));
      assertThat(refusal)
          .as("the refusal is logged, escaped")
          .contains("evil.example\\n2026-11-30");
      assertThat(log.lines()).allSatisfy(l -> assertThat(l).doesNotContain("\n", "\r"));
    } finally {
      socks.setLevel(before);
    }
  }

  @Test
  void httpConnectToABadHostGetsA400() throws IOException {
    String answer =
        exchange("CONNECT x.example,DIRECT:443 HTTP/1.1\r\nHost: x.example,DIRECT:443\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400 ");
    assertThat(answer).contains("text/plain").contains("host: 'x.example,DIRECT'");
  }

  @Test
  void httpAbsoluteFormWithABadHostGetsA400() throws IOException {
    String answer =
        exchange(
            "GET http://a%0Ab.example/ HTTP/1.1\r\nHost: a%0Ab.example\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 400 ").contains("host: 'a%0Ab.example'");
  }

  /** Sends {@code request} to the HTTP door and reads until it closes. */
  private static String exchange(String request) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(client.httpAddress(), 5000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
