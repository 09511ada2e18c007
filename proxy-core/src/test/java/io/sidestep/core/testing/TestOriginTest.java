package io.sidestep.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TestOriginTest {

  private static String subjectSeen(TestOrigin origin, CertifiedKey ca, String sni)
      throws Exception {
    try (SSLSocket s =
        (SSLSocket)
            KeyStores.sslContext(null, List.of(ca.certificate()))
                .getSocketFactory()
                .createSocket("127.0.0.1", origin.port())) {
      SSLParameters p = s.getSSLParameters();
      p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
      s.setSSLParameters(p);
      s.setSoTimeout(5000);
      s.startHandshake();
      return ((X509Certificate) s.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    }
  }

  @Test
  void servesEachNameItsOwnCertificate() throws Exception {
    CertifiedKey ca = CertificateBuilder.subject("CN=Origin Test CA").ca().selfSigned();
    CertifiedKey a = CertificateBuilder.subject("CN=a.example").dnsNames("a.example").signedBy(ca);
    CertifiedKey b = CertificateBuilder.subject("CN=b.example").dnsNames("b.example").signedBy(ca);
    CertifiedKey other = CertificateBuilder.subject("CN=fallback").signedBy(ca);
    try (TestOrigin origin = TestOrigin.https(Map.of("A.example", a, "b.example", b), other)) {
      assertThat(subjectSeen(origin, ca, "a.example")).isEqualTo("CN=a.example");
      assertThat(subjectSeen(origin, ca, "b.example")).isEqualTo("CN=b.example");
      assertThat(subjectSeen(origin, ca, "c.example")).isEqualTo("CN=fallback");
      assertThat(subjectSeen(origin, ca, null)).isEqualTo("CN=fallback");
      assertThat(origin.isHttps()).isTrue();
    }
  }
}
