package io.sidestep.core.detect;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Small certificate authorities and leaves for interception tests, made in memory. */
final class TestPki {
  private TestPki() {}

  private static final AtomicLong SERIAL = new AtomicLong(1000);
  static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  /** A CA: its certificate and key. */
  record Ca(X509Certificate cert, PrivateKey key) {}

  static KeyPair keyPair() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"));
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Ca ca(String dn) {
    KeyPair kp = keyPair();
    return new Ca(
        build(
            new X500Name(dn),
            dn,
            kp,
            kp.getPrivate(),
            true,
            List.of(),
            NOW.minus(30, ChronoUnit.DAYS),
            NOW.plus(3650, ChronoUnit.DAYS)),
        kp.getPrivate());
  }

  /** An intermediate CA signed by {@code parent}. */
  static Ca intermediate(String dn, Ca parent) {
    KeyPair kp = keyPair();
    return new Ca(
        build(
            name(parent),
            dn,
            kp,
            parent.key(),
            true,
            List.of(),
            NOW.minus(30, ChronoUnit.DAYS),
            NOW.plus(3650, ChronoUnit.DAYS)),
        kp.getPrivate());
  }

  static X509Certificate leaf(Ca issuer, String cn, List<String> names) {
    return leaf(
        issuer, cn, names, keyPair(), NOW.minus(1, ChronoUnit.DAYS), NOW.plus(90, ChronoUnit.DAYS));
  }

  static X509Certificate leaf(
      Ca issuer, String cn, List<String> names, KeyPair kp, Instant from, Instant to) {
    return build(name(issuer), "CN=" + cn, kp, issuer.key(), false, names, from, to);
  }

  private static X500Name name(Ca ca) {
    return X500Name.getInstance(ca.cert().getSubjectX500Principal().getEncoded());
  }

  private static X509Certificate build(
      X500Name issuerDn,
      String subjectDn,
      KeyPair kp,
      PrivateKey signer,
      boolean ca,
      List<String> names,
      Instant from,
      Instant to) {
    try {
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuerDn,
              BigInteger.valueOf(SERIAL.incrementAndGet()),
              Date.from(from),
              Date.from(to),
              new X500Name(subjectDn),
              kp.getPublic());
      if (ca) {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        b.addExtension(
            Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        GeneralName[] sans =
            names.stream()
                .map(
                    n ->
                        n.matches("[0-9.]+") || n.contains(":")
                            ? new GeneralName(GeneralName.iPAddress, n)
                            : new GeneralName(GeneralName.dNSName, n))
                .toArray(GeneralName[]::new);
        if (sans.length > 0) {
          b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans));
        }
      }
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A trust manager that trusts exactly these roots. */
  static X509TrustManager trusting(X509Certificate... roots) {
    try {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      for (int i = 0; i < roots.length; i++) {
        ks.setCertificateEntry("root" + i, roots[i]);
      }
      TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
      f.init(ks);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("no X509TrustManager");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
