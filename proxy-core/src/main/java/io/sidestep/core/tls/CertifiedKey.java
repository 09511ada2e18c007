package io.sidestep.core.tls;

import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A private key and the certificate chain that certifies it, leaf first.
 *
 * <p>{@link #toString()} names the leaf's subject and never shows the key.
 */
public record CertifiedKey(PrivateKey privateKey, List<X509Certificate> chain) {

  public CertifiedKey {
    if (privateKey == null) {
      throw new IllegalArgumentException("private key: null (expected: a key)");
    }
    if (chain == null || chain.isEmpty()) {
      throw new IllegalArgumentException("certificate chain: empty (expected: leaf first)");
    }
    chain = List.copyOf(chain);
  }

  /** The leaf certificate, the one whose public key pairs with {@link #privateKey()}. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The {@code sha256/BASE64} pin of the leaf's public key. */
  public String pin() {
    return Pins.of(certificate());
  }

  /**
   * An in-memory PKCS#12 key store holding this key under {@code alias} with {@code password}, for
   * APIs that take a {@link KeyStore} (the JDK's {@code HttpsServer}, {@code KeyManagerFactory}).
   */
  public KeyStore toKeyStore(String alias, char[] password) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(alias, privateKey, password, chain.toArray(new X509Certificate[0]));
      return ks;
    } catch (java.security.GeneralSecurityException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a key store for " + this, e);
    }
  }

  @Override
  public String toString() {
    return "CertifiedKey["
        + certificate().getSubjectX500Principal().getName()
        + " "
        + pin()
        + " key=****]";
  }
}
