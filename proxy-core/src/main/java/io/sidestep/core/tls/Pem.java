package io.sidestep.core.tls;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads and writes PEM: certificates ({@code CERTIFICATE}) and unencrypted private keys (written as
 * PKCS#8 {@code PRIVATE KEY}; {@code EC PRIVATE KEY} and {@code RSA PRIVATE KEY} are read too).
 * Files are written atomically; key files get mode 600.
 */
public final class Pem {
  private Pem() {}

  /** PEM text of the certificates, in order. */
  public static String encodeCertificates(List<X509Certificate> certificates) {
    return encode(certificates.toArray());
  }

  /** PEM text of the key, PKCS#8, unencrypted. */
  public static String encodePrivateKey(PrivateKey key) {
    try {
      return encode(new JcaPKCS8Generator(key, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String encode(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      for (Object o : objects) {
        w.writeObject(o);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }

  /**
   * Every certificate in {@code pem}, in order.
   *
   * @param source names the text in error messages (a file name)
   * @throws IllegalArgumentException when there is no certificate or a block does not parse
   */
  public static List<X509Certificate> parseCertificates(String pem, String source) {
    List<X509Certificate> certs = new ArrayList<>();
    JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = p.readObject()) != null) {
        if (o instanceof X509CertificateHolder h) {
          certs.add(conv.getCertificate(h));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      throw new IllegalArgumentException(
          source + ": not a valid PEM certificate (" + e.getMessage() + ")", e);
    }
    if (certs.isEmpty()) {
      throw new IllegalArgumentException(
          source + ": no certificate (expected: a -----BEGIN CERTIFICATE----- block)");
    }
    return certs;
  }

  /**
   * The first private key in {@code pem}.
   *
   * @param source names the text in error messages (a file name)
   * @throws IllegalArgumentException when there is no key, it is encrypted, or it does not parse
   */
  public static PrivateKey parsePrivateKey(String pem, String source) {
    JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
    boolean encrypted = false;
    try (PEMParser p = new PEMParser(new StringReader(pem))) {
      Object o;
      while ((o = p.readObject()) != null) {
        if (o instanceof PrivateKeyInfo info) {
          return conv.getPrivateKey(info);
        }
        if (o instanceof PEMKeyPair pair) {
          return conv.getKeyPair(pair).getPrivate();
        }
        if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
          encrypted = true;
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          source + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
    if (encrypted) {
      throw new IllegalArgumentException(
          source + ": the private key is encrypted (expected: an unencrypted PEM key)");
    }
    throw new IllegalArgumentException(
        source + ": no private key (expected: a -----BEGIN PRIVATE KEY----- block)");
  }

  /** Reads every certificate in a PEM file; errors name the file. */
  public static List<X509Certificate> readCertificates(Path file) {
    return parseCertificates(read(file), file.toString());
  }

  /** Reads the private key in a PEM file; errors name the file. */
  public static PrivateKey readPrivateKey(Path file) {
    return parsePrivateKey(read(file), file.toString());
  }

  /** Reads a key file and a certificate file and checks that they belong together. */
  public static CertifiedKey readCertifiedKey(Path certFile, Path keyFile) {
    List<X509Certificate> chain = readCertificates(certFile);
    PrivateKey key = readPrivateKey(keyFile);
    if (!matches(key, chain.get(0))) {
      throw new IllegalArgumentException(
          keyFile + ": this key does not belong to the certificate in " + certFile);
    }
    return new CertifiedKey(key, chain);
  }

  /** Atomically writes certificates to a file (mode 644). */
  public static void writeCertificates(Path file, List<X509Certificate> certificates) {
    AtomicFiles.write(
        file,
        encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII),
        AtomicFiles.PUBLIC);
  }

  /** Atomically writes a private key to a file that only its owner can read (mode 600). */
  public static void writePrivateKey(Path file, PrivateKey key) {
    AtomicFiles.write(
        file, encodePrivateKey(key).getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + AtomicFiles.describe(e), e);
    }
  }

  /** Whether {@code key} is the private half of {@code certificate}'s public key. */
  private static boolean matches(PrivateKey key, X509Certificate certificate) {
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
