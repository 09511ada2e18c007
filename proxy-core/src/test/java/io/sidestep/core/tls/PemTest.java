package io.sidestep.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.jcajce.JcaPKCS8EncryptedPrivateKeyInfoBuilder;
import org.junit.jupiter.api.Test;

class PemTest {

  @Test
  void aKeyRoundTripsAndAnEncryptedOrBrokenOneIsNamed() throws Exception {
    CertifiedKey identity = CertificateBuilder.subject("CN=pem").selfSigned();
    String pem = Pem.encodePrivateKey(identity.privateKey());
    assertThat(Pem.parsePrivateKey(pem, "key.pem")).isEqualTo(identity.privateKey());

    OutputEncryptor enc =
        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
            .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
            .setPassword("secret".toCharArray())
            .build();
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(new JcaPKCS8EncryptedPrivateKeyInfoBuilder(identity.privateKey()).build(enc));
    }
    assertThatThrownBy(() -> Pem.parsePrivateKey(out.toString(), "key.pem"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key.pem: the private key is encrypted (expected: an unencrypted PEM key)");
    assertThatThrownBy(
            () ->
                Pem.parsePrivateKey(
                    "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
                    "key.pem"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("key.pem: not a valid PEM private key");
  }
}
