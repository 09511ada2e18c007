package io.sidestep.core.tls;

import io.sidestep.core.net.IpLiterals;
import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
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
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

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
   * A fresh EC P-256 key with a certificate it signs itself, made with Bouncy Castle: subject
   * {@code CN=host}, {@code host} (a name or an IP literal) as its subject alternative name, a TLS
   * server and client leaf that is not a CA (digitalSignature only), valid from {@code notBefore}
   * to {@code notAfter}, a random 127-bit serial number, signed SHA256withECDSA.
   */
  public static CertifiedKey selfSigned(String host, Instant notBefore, Instant notAfter) {
    try {
      SecureRandom random = new SecureRandom();
      KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
      g.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair kp = g.generateKeyPair();
      X500Name subject = new X500Name("CN=" + host);
      GeneralName name =
          IpLiterals.isIpLiteral(host)
              ? new GeneralName(GeneralName.iPAddress, IpLiterals.parse(host).getHostAddress())
              : new GeneralName(GeneralName.dNSName, host);
      KeyPurposeId[] purposes = {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth};
      X509CertificateHolder holder =
          new JcaX509v3CertificateBuilder(
                  subject,
                  new BigInteger(127, random).add(BigInteger.ONE),
                  Date.from(notBefore),
                  Date.from(notAfter),
                  subject,
                  kp.getPublic())
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  new JcaX509ExtensionUtils().createSubjectKeyIdentifier(kp.getPublic()))
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  // keyEncipherment means RSA key transport, which an EC key never does.
                  new KeyUsage(KeyUsage.digitalSignature))
              .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
              .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(name))
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate()));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
      return new CertifiedKey(kp.getPrivate(), List.of(cert));
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot make a certificate for " + host, e);
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
