package io.sidestep.client.relay;

import io.sidestep.core.tls.HostNameCheck;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a relay whose key has no pin the way a browser trusts a web site: a chain that the trust
 * anchors (by default the JVM's trust store) validate, whose leaf names the key's host ({@link
 * HostNameCheck}: subjectAltName only, never the common name). The same check whichever TLS
 * implementation asks, so both hellos trust exactly the same relays.
 */
final class WebPkiTrustManager extends RelayTrustManager {

  private final X509TrustManager anchors;
  private final String host;

  WebPkiTrustManager(X509TrustManager anchors, String host) {
    this.anchors = anchors;
    this.host = host;
  }

  /** The JVM's default trust store ({@code javax.net.ssl.trustStore}, else the JDK's cacerts). */
  static X509TrustManager jvmDefault() {
    try {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init((KeyStore) null);
      for (TrustManager m : f.getTrustManagers()) {
        if (m instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("the JVM's trust store has no X.509 trust manager");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JVM's trust store cannot be read: " + e.getMessage(), e);
    }
  }

  @Override
  void check(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("relay " + host + " presented no certificate");
    }
    anchors.checkServerTrusted(chain, authType);
    HostNameCheck.check(chain[0], host);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return anchors.getAcceptedIssuers();
  }
}
