package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.Pem;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new certificate, from a changed file or a reload (what SIGHUP does), is served to new
 * connections while a tunnel opened under the old one carries on.
 */
@Timeout(60)
class CertificateReloadTest {

  @TempDir Path dir;

  void write(CertifiedKey k) {
    Pem.writePrivateKey(dir.resolve("key.pem"), k.privateKey());
    Pem.writeCertificates(dir.resolve("cert.pem"), k.chain());
  }

  @Test
  void aTunnelSurvivesCertificateSwapsAndNewConnectionsSeeTheNewCertificate() throws Exception {
    CertifiedKey first = CertificateBuilder.subject("CN=first.example").selfSigned();
    CertifiedKey second = CertificateBuilder.subject("CN=second.example").selfSigned();
    CertifiedKey third = CertificateBuilder.subject("CN=third.example").selfSigned();
    write(first);
    try (AccountsTest.Echo echo = new AccountsTest.Echo();
        Relay relay =
            TestRelays.reachingLoopback(dir.resolve("state"))
                .identityFiles(dir.resolve("cert.pem"), dir.resolve("key.pem"))
                .usersPollInterval(Duration.ofMillis(50))
                .start();
        RelayClient tunnel = RelayClient.connect(relay.address())) {
      AccessKey key = relay.addUser("alice");
      assertThat(tunnel.peerCertificate()).isEqualTo(first.certificate());
      assertThat(tunnel.request(RelayClient.connectRequest(echo.port(), key)).status())
          .isEqualTo(200);
      AccountsTest.echoes(tunnel, 100);

      write(second); // picked up by the file watch
      X509Certificate seen = null;
      for (int i = 0; i < 100 && !second.certificate().equals(seen); i++) {
        try (RelayClient c = RelayClient.connect(relay.address())) {
          seen = c.peerCertificate();
        }
        if (!second.certificate().equals(seen)) {
          Thread.sleep(50);
        }
      }
      assertThat(seen)
          .as("new connections get the new certificate")
          .isEqualTo(second.certificate());
      assertThat(relay.pin()).isEqualTo(second.pin());
      AccountsTest.echoes(tunnel, 100);

      write(third);
      relay.reload(); // as on SIGHUP
      try (RelayClient c = RelayClient.connect(relay.address())) {
        assertThat(c.peerCertificate()).isEqualTo(third.certificate());
      }
      AccountsTest.echoes(tunnel, 100);
      assertThat(tunnel.peerCertificate())
          .as("the tunnel kept its session")
          .isEqualTo(first.certificate());
    }
  }
}
