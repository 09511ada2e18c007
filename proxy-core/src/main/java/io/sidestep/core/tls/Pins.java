package io.sidestep.core.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.util.Base64;

/** Public-key pins in the form {@code curl --pinnedpubkey} takes: {@code sha256/BASE64}. */
public final class Pins {
  private Pins() {}

  /** {@code sha256/} and the base64 SHA-256 of the certificate's SubjectPublicKeyInfo. */
  public static String of(Certificate certificate) {
    return "sha256/"
        + Base64.getEncoder().encodeToString(sha256(certificate.getPublicKey().getEncoded()));
  }

  static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
