package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.Pem;
import io.sidestep.core.tls.Pins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay's certificate is generated once, kept in the state directory and reused. */
@Timeout(60)
class RelayCertificateTest {

  static Relay start(Path state) {
    return TestRelays.onLoopback(state).start();
  }

  static String servedPin(Relay r) throws Exception {
    try (RelayClient c = RelayClient.connect(r.address())) {
      return Pins.of(c.peerCertificate());
    }
  }

  @Test
  void generatedOnceAndReusedAcrossRestarts(@TempDir Path dir) throws Exception {
    Path state = dir.resolve("state");
    String first;
    try (Relay r = start(state)) {
      first = servedPin(r);
      assertThat(first).isEqualTo(r.pin());
    }
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("relay-key.pem"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
        .isEqualTo("rwx------");
    byte[] certBytes = Files.readAllBytes(state.resolve("relay-cert.pem"));
    try (Relay r = start(state)) {
      assertThat(servedPin(r)).as("same key after a restart").isEqualTo(first);
    }
    assertThat(Files.readAllBytes(state.resolve("relay-cert.pem"))).isEqualTo(certBytes);
  }

  @Test
  void accessKeyFromUsersAddPinsTheCertificateTheRelayServes(@TempDir Path dir) throws Exception {
    Path state = dir.resolve("state");
    // users add before the relay ever ran: it creates the certificate
    AccessKey key = Users.in(state).add("alice", Destination.of("relay.example.net", 443));
    assertThat(key.toUri())
        .matches(
            "sidestep://alice:[A-Za-z0-9_-]{43}@relay\\.example\\.net:443\\?pin=sha256/[A-Za-z0-9+/]{43}=#alice");
    assertThat(AccessKey.parse(key.toUri())).isEqualTo(key);
    try (Relay r = start(state)) {
      assertThat(key.pin()).contains(servedPin(r));
      // the generated certificate names the public host, so it looks ordinary
      assertThat(r.certificate().getSubjectX500Principal().getName())
          .isEqualTo("CN=relay.example.net");
    }
  }

  @Test
  void generatedCertificateLooksLikeAnOrdinaryOne(@TempDir Path dir) throws Exception {
    Instant before = Instant.now();
    X509Certificate c =
        RelayCertificate.loadOrCreate(dir.resolve("state"), "203.0.113.7").certificate();
    assertThat(c.getSubjectX500Principal().getName())
        .as("named after the machine, never the address")
        .isEqualTo("CN=" + RelayCertificate.machineName())
        .doesNotContain("203.0.113.7");
    assertThat(c.getSubjectAlternativeNames())
        .extracting(n -> (Object) n.get(1))
        .containsExactly((Object) RelayCertificate.machineName());
    assertThat(c.getKeyUsage()[2]).as("no keyEncipherment on an EC key").isFalse();
    assertThat(c.getKeyUsage()[0]).as("digitalSignature").isTrue();
    Instant notBefore = c.getNotBefore().toInstant();
    assertThat(notBefore)
        .as("made some time ago, not exactly an hour ago")
        .isBefore(before.minus(Duration.ofMinutes(9)))
        .isAfter(before.minus(Duration.ofDays(3).plusMinutes(11)));
    assertThat(Duration.between(notBefore, c.getNotAfter().toInstant()))
        .isEqualTo(Duration.ofDays(3650));
  }

  @Test
  void givenCertificateIsServedAndMismatchedKeyRefused(@TempDir Path dir) throws Exception {
    CertifiedKey ca = CertificateBuilder.subject("CN=Operator CA").ca().selfSigned();
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=relay.test").dnsNames("relay.test").signedBy(ca);
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Pem.writeCertificates(cert, leaf.chain());
    Pem.writePrivateKey(key, leaf.privateKey());
    try (Relay r =
        TestRelays.onLoopback(dir.resolve("state"))
            .identity(RelayCertificate.load(cert, key))
            .start()) {
      assertThat(servedPin(r)).isEqualTo(leaf.pin());
    }
    assertThat(dir.resolve("state/relay-cert.pem")).as("no certificate generated").doesNotExist();
    Path otherKey = dir.resolve("other.pem");
    Pem.writePrivateKey(otherKey, CertificateBuilder.subject("CN=x").selfSigned().privateKey());
    assertThatThrownBy(() -> RelayCertificate.load(cert, otherKey))
        .hasMessageContaining("does not belong");
  }
}
