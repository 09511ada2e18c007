package io.sidestep.core.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Tests' key managers, trust managers and SSL contexts built from certificates held in memory. */
public final class KeyStores {
  private KeyStores() {}

  private static final char[] NO_PASSWORD = "sidestep".toCharArray();

  /** A key manager factory serving {@code key}. */
  public static KeyManagerFactory keyManagerFactory(CertifiedKey key) {
    try {
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(
          "key", key.privateKey(), NO_PASSWORD, key.chain().toArray(new X509Certificate[0]));
      kmf.init(ks, NO_PASSWORD);
      return kmf;
    } catch (GeneralSecurityException | java.io.IOException e) {
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
}
