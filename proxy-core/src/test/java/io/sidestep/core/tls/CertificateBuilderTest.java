package io.sidestep.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateBuilderTest {

  @Test
  void leafSignedByCaValidatesAgainstThatCaOnly() throws Exception {
    CertifiedKey ca = CertificateBuilder.subject("CN=Test Root").ca().selfSigned();
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=example.test")
            .dnsNames("example.test")
            .ipAddresses("127.0.0.1")
            .signedBy(ca);
    assertThat(leaf.chain()).hasSize(2);
    assertThat(leaf.certificate().getIssuerX500Principal())
        .isEqualTo(ca.certificate().getSubjectX500Principal());
    X509Certificate[] chain = leaf.chain().toArray(new X509Certificate[0]);
    KeyStores.trustManager(List.of(ca.certificate())).checkServerTrusted(chain, "ECDHE_ECDSA");

    CertifiedKey otherCa = CertificateBuilder.subject("CN=Unknown Root").ca().selfSigned();
    assertThatThrownBy(
            () ->
                KeyStores.trustManager(List.of(otherCa.certificate()))
                    .checkServerTrusted(chain, "ECDHE_ECDSA"))
        .as("a leaf from an unknown CA must not validate")
        .isInstanceOf(CertificateException.class);
    assertThat(leaf.certificate().getSubjectAlternativeNames())
        .extracting(l -> (Object) l.get(1))
        .containsExactly((Object) "example.test", "127.0.0.1");
  }

  @Test
  void expiredCertificateIsExpired() {
    Instant now = Instant.now();
    CertifiedKey old =
        CertificateBuilder.subject("CN=old.test")
            .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)))
            .selfSigned();
    assertThatThrownBy(() -> old.certificate().checkValidity())
        .isInstanceOf(CertificateExpiredException.class);
  }

  @Test
  void rsaKeysWork() throws Exception {
    CertifiedKey rsa =
        CertificateBuilder.subject("CN=rsa.test")
            .keyAlgorithm(CertificateBuilder.KeyAlgorithm.RSA_2048)
            .selfSigned();
    assertThat(rsa.certificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
    rsa.certificate().verify(rsa.certificate().getPublicKey());
  }

  @Test
  void pemRoundTripKeepsKeyAndCertificateAndKeyFileIsPrivate(@TempDir Path dir) throws Exception {
    CertifiedKey k = CertificateBuilder.subject("CN=relay").selfSigned();
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Pem.writeCertificates(cert, k.chain());
    Pem.writePrivateKey(key, k.privateKey());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    assertThat(Files.readString(key)).startsWith("-----BEGIN PRIVATE KEY-----");
    CertifiedKey back = Pem.readCertifiedKey(cert, key);
    assertThat(back.certificate()).isEqualTo(k.certificate());
    assertThat(back.privateKey().getEncoded()).isEqualTo(k.privateKey().getEncoded());
    assertThat(back.pin()).isEqualTo(Pins.of(k.certificate()));
    assertThat(back.toString()).doesNotContain("PRIVATE").contains("key=****");
  }

  @Test
  void mismatchedKeyAndBadPemAreNamed(@TempDir Path dir) throws Exception {
    CertifiedKey a = CertificateBuilder.subject("CN=a").selfSigned();
    CertifiedKey b = CertificateBuilder.subject("CN=b").selfSigned();
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Pem.writeCertificates(cert, a.chain());
    Pem.writePrivateKey(key, b.privateKey());
    assertThatThrownBy(() -> Pem.readCertifiedKey(cert, key))
        .hasMessageContaining("key.pem")
        .hasMessageContaining("does not belong");
    Path junk = dir.resolve("junk.pem");
    Files.writeString(junk, "hello\n");
    assertThatThrownBy(() -> Pem.readCertificates(junk))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("junk.pem")
        .hasMessageContaining("no certificate");
    assertThatThrownBy(() -> Pem.readPrivateKey(junk)).hasMessageContaining("no private key");
    assertThatThrownBy(() -> Pem.readPrivateKey(dir.resolve("missing.pem")))
        .hasMessageContaining("missing.pem")
        .hasMessageContaining("no such file");
  }
}
