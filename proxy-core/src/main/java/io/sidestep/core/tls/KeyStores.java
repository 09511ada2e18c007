package io.sidestep.core.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Key managers, trust managers and SSL contexts built from certificates held in memory. */
public final class KeyStores {
  private KeyStores() {}

  private static final char[] NO_PASSWORD = "sidestep".toCharArray();

  /** A key manager factory serving {@code key}. */
  public static KeyManagerFactory keyManagerFactory(CertifiedKey key) {
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(key.toKeyStore("key", NO_PASSWORD), NO_PASSWORD);
      return kmf;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a key manager for " + key, e);
    }
  }

  /** A PKIX trust manager that trusts exactly {@code anchors} (and nothing from the JVM). */
  public static X509TrustManager trustManager(Collection<X509Certificate> anchors) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      int i = 0;
      for (X509Certificate c : anchors) {
        ks.setCertificateEntry("anchor-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("no X509TrustManager in " + tmf.getAlgorithm());
    } catch (GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a trust manager", e);
    }
  }

  /** A TLS context that serves {@code key} (may be null) and trusts {@code anchors}. */
  public static SSLContext sslContext(CertifiedKey key, Collection<X509Certificate> anchors) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          key == null ? null : keyManagerFactory(key).getKeyManagers(),
          new TrustManager[] {trustManager(anchors)},
          null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context", e);
    }
  }

  /** Whether {@code key} is the private half of {@code certificate}'s public key. */
  public static boolean matches(PrivateKey key, X509Certificate certificate) {
    try {
      String alg = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      byte[] probe = "sidestep key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      Signature s = Signature.getInstance(alg);
      s.initSign(key);
      s.update(probe);
      byte[] sig = s.sign();
      Signature v = Signature.getInstance(alg);
      v.initVerify(certificate.getPublicKey());
      v.update(probe);
      return v.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
