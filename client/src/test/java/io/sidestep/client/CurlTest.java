package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl, a client the project did not write, through both doors to a relayed HTTPS origin: {@code
 * --socks5-hostname} (the name goes to the door, not to curl's resolver) and {@code -x} (CONNECT).
 * Skipped when curl is not installed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CurlTest {

  @TempDir static Path dir;
  static TestOrigin origin;
  static Relay relay;
  static FakeResolver resolver = new FakeResolver();
  static Client client;
  static Path caFile;

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(curlAvailable(), "curl is not installed");
    origin = TestOrigin.https();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(dir.resolve("relay"))
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .ioThreads(1)
            .start();
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(relay.addUser("curl"))
            .resolver(resolver)
            .threads(1)
            .router(d -> new Decision(Action.RELAY, "test: all relayed"))
            .start();
    caFile = dir.resolve("origin.pem");
    try {
      Files.writeString(
          caFile,
          "-----BEGIN CERTIFICATE-----\n"
              + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                  .encodeToString(origin.certificate().getEncoded())
              + "\n-----END CERTIFICATE-----\n");
    } catch (java.security.cert.CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
      relay.close();
      origin.close();
    }
  }

  static boolean curlAvailable() {
    try {
      return new ProcessBuilder("curl", "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static String curl(String... proxyArgs) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", caFile.toString()));
    cmd.addAll(List.of(proxyArgs));
    cmd.add("https://localhost:" + origin.port() + "/curl");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("curl exit code, output: %s", out).isZero();
    return out;
  }

  @Test
  void socks5HostnameThroughTheRelay() throws Exception {
    String port = String.valueOf(client.socksAddress().getPort());
    assertThat(curl("--socks5-hostname", "127.0.0.1:" + port)).isEqualTo(TestOrigin.BODY);
    assertThat(resolver.asked()).isEmpty();
  }

  @Test
  void httpProxyConnectThroughTheRelay() throws Exception {
    String port = String.valueOf(client.httpAddress().getPort());
    assertThat(curl("-x", "http://127.0.0.1:" + port)).isEqualTo(TestOrigin.BODY);
    assertThat(resolver.asked()).isEmpty();
  }
}
