package io.sidestep.core.tls;

import io.sidestep.core.net.IpLiterals;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes keys and X.509 certificates with Bouncy Castle: self-signed leaves (the relay's identity),
 * certificate authorities, and leaves signed by a CA, with any validity period (tests need expired
 * and not-yet-valid ones) and any names.
 *
 * <pre>{@code
 * CertifiedKey ca = CertificateBuilder.subject("CN=Test Root").ca().selfSigned();
 * CertifiedKey leaf = CertificateBuilder.subject("CN=example.com")
 *     .dnsNames("example.com").ipAddresses("127.0.0.1")
 *     .validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)))
 *     .signedBy(ca);
 * }</pre>
 *
 * <p>Defaults: a fresh EC P-256 key pair (SHA256withECDSA signatures), valid from one hour ago for
 * 365 days, a random 127-bit serial number, not a CA, no subject alternative names. Leaves get the
 * key usages of a TLS server and client ({@code digitalSignature}, plus {@code keyEncipherment} for
 * RSA keys; {@code serverAuth, clientAuth}); CAs get {@code keyCertSign, cRLSign} and {@code
 * BasicConstraints CA:true}. Signing uses the JDK's providers; Bouncy Castle is not registered as a
 * JCA provider.
 */
public final class CertificateBuilder {

  /** The kind of key pair generated when none is given. */
  public enum KeyAlgorithm {
    /** NIST P-256, the default: small, fast, accepted everywhere TLS 1.2+ is. */
    EC_P256,
    /** RSA 2048, for peers that need RSA. */
    RSA_2048
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X500Name subject;
  private final List<GeneralName> altNames = new ArrayList<>();
  private Instant notBefore;
  private Instant notAfter;
  private boolean ca;
  private KeyPair keyPair;
  private KeyAlgorithm keyAlgorithm = KeyAlgorithm.EC_P256;
  private BigInteger serial;

  private CertificateBuilder(X500Name subject) {
    this.subject = subject;
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    this.notBefore = now.minus(Duration.ofHours(1));
    this.notAfter = now.plus(Duration.ofDays(365));
  }

  /**
   * Starts a certificate for {@code x500Name}, an RFC 4514 name such as {@code "CN=example.com"} or
   * {@code "C=KZ, CN=Qaznet Trust Network"}.
   */
  public static CertificateBuilder subject(String x500Name) {
    try {
      return new CertificateBuilder(new X500Name(x500Name));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "subject: '" + x500Name + "' (expected: an X.500 name such as CN=example.com)", e);
    }
  }

  /** Adds DNS names (wildcards such as {@code *.example.com} allowed) to subjectAltName. */
  public CertificateBuilder dnsNames(String... names) {
    for (String n : names) {
      altNames.add(new GeneralName(GeneralName.dNSName, n));
    }
    return this;
  }

  /** Adds IP addresses, given as IPv4 or IPv6 literals, to subjectAltName. */
  public CertificateBuilder ipAddresses(String... literals) {
    for (String a : literals) {
      String s = IpLiterals.parse(a).getHostAddress();
      altNames.add(new GeneralName(GeneralName.iPAddress, s));
    }
    return this;
  }

  /** Sets the validity period (stored to the second). */
  public CertificateBuilder validity(Instant notBefore, Instant notAfter) {
    if (!notAfter.isAfter(notBefore)) {
      throw new IllegalArgumentException(
          "validity: notAfter " + notAfter + " (expected: after notBefore " + notBefore + ")");
    }
    this.notBefore = notBefore;
    this.notAfter = notAfter;
    return this;
  }

  /** Valid from one hour ago for {@code duration} from now. */
  public CertificateBuilder validFor(Duration duration) {
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    return validity(now.minus(Duration.ofHours(1)), now.plus(duration));
  }

  /** Makes this a certificate authority that may sign other certificates. */
  public CertificateBuilder ca() {
    this.ca = true;
    return this;
  }

  /** Certifies this existing key pair instead of generating one. */
  public CertificateBuilder keyPair(KeyPair keyPair) {
    this.keyPair = keyPair;
    return this;
  }

  /** The kind of key pair to generate when none is given; default {@link KeyAlgorithm#EC_P256}. */
  public CertificateBuilder keyAlgorithm(KeyAlgorithm algorithm) {
    this.keyAlgorithm = algorithm;
    return this;
  }

  /** Sets the serial number (positive); default random. */
  public CertificateBuilder serial(BigInteger serial) {
    if (serial.signum() <= 0) {
      throw new IllegalArgumentException("serial: " + serial + " (expected: positive)");
    }
    this.serial = serial;
    return this;
  }

  /** Signs the certificate with its own key. */
  public CertifiedKey selfSigned() {
    KeyPair kp = keyPair != null ? keyPair : generateKeyPair(keyAlgorithm);
    X509Certificate cert = build(kp, subject, kp);
    return new CertifiedKey(kp.getPrivate(), List.of(cert));
  }

  /**
   * Signs the certificate with {@code issuer}'s key; the result's chain is this certificate
   * followed by the issuer's chain.
   */
  public CertifiedKey signedBy(CertifiedKey issuer) {
    KeyPair kp = keyPair != null ? keyPair : generateKeyPair(keyAlgorithm);
    X500Name issuerName =
        X500Name.getInstance(issuer.certificate().getSubjectX500Principal().getEncoded());
    KeyPair issuerPair = new KeyPair(issuer.certificate().getPublicKey(), issuer.privateKey());
    X509Certificate cert = build(kp, issuerName, issuerPair);
    List<X509Certificate> chain = new ArrayList<>();
    chain.add(cert);
    chain.addAll(issuer.chain());
    return new CertifiedKey(kp.getPrivate(), chain);
  }

  /** Generates a key pair of the given kind. */
  public static KeyPair generateKeyPair(KeyAlgorithm algorithm) {
    try {
      if (algorithm == KeyAlgorithm.RSA_2048) {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048, RANDOM);
        return g.generateKeyPair();
      }
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return g.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot generate a " + algorithm + " key pair", e);
    }
  }

  private X509Certificate build(KeyPair subjectPair, X500Name issuerName, KeyPair issuerPair) {
    try {
      BigInteger sn = serial != null ? serial : new BigInteger(127, RANDOM).add(BigInteger.ONE);
      X509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              issuerName,
              sn,
              Date.from(notBefore),
              Date.from(notAfter),
              subject,
              subjectPair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          ext.createSubjectKeyIdentifier(subjectPair.getPublic()));
      if (issuerPair != subjectPair) {
        b.addExtension(
            Extension.authorityKeyIdentifier,
            false,
            ext.createAuthorityKeyIdentifier(issuerPair.getPublic()));
      }
      if (ca) {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(
            Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        // keyEncipherment means RSA key transport; an EC key never does that.
        boolean rsa = subjectPair.getPublic().getAlgorithm().equals("RSA");
        b.addExtension(
            Extension.keyUsage,
            true,
            new KeyUsage(KeyUsage.digitalSignature | (rsa ? KeyUsage.keyEncipherment : 0)));
        b.addExtension(
            Extension.extendedKeyUsage,
            false,
            new ExtendedKeyUsage(
                new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      }
      if (!altNames.isEmpty()) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(altNames.toArray(new GeneralName[0])));
      }
      String alg =
          issuerPair.getPrivate().getAlgorithm().equals("RSA")
              ? "SHA256withRSA"
              : "SHA256withECDSA";
      X509CertificateHolder holder =
          b.build(new JcaContentSignerBuilder(alg).build(issuerPair.getPrivate()));
      return new JcaX509CertificateConverter().getCertificate(holder);
    } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
      throw new IllegalStateException("cannot build a certificate for " + subject, e);
    }
  }
}
