package io.sidestep.server;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own key and certificate, kept in its state directory as {@value #CERT_FILE} and
 * {@value #KEY_FILE} (mode 600).
 *
 * <p>The first use generates an EC P-256 key and a self-signed certificate valid for ten years;
 * every later use loads the same files, so the pin in the users' access keys stays valid across
 * restarts. Clients check the pin, not the name, so the certificate's name only has to look
 * ordinary: it is the relay's public host name when one is known, else {@code localhost}.
 */
public final class RelayCertificate {
  private RelayCertificate() {}

  private static final Logger log = LoggerFactory.getLogger(RelayCertificate.class);

  public static final String CERT_FILE = "relay-cert.pem";
  public static final String KEY_FILE = "relay-key.pem";

  /**
   * Loads the state directory's key and certificate, generating them first if there are none.
   *
   * @param hostHint the name or address clients use for the relay, or null
   */
  public static synchronized CertifiedKey loadOrCreate(Path stateDir, String hostHint) {
    Path cert = stateDir.resolve(CERT_FILE);
    Path key = stateDir.resolve(KEY_FILE);
    if (Files.exists(cert)) {
      return Pem.readCertifiedKey(cert, key);
    }
    AtomicFiles.createPrivateDirectories(stateDir);
    String host =
        hostHint == null || hostHint.isBlank() || isWildcard(hostHint) ? "localhost" : hostHint;
    CertifiedKey k = CertifiedKey.selfSigned(host, Duration.ofDays(3650));
    // The key first: a certificate file is the sign that a complete pair exists.
    Pem.writePrivateKey(key, k.privateKey());
    Pem.writeCertificates(cert, k.chain());
    log.info("generated a key and a self-signed certificate in {}, pin {}", stateDir, k.pin());
    return k;
  }

  /** Loads a key and certificate given on the command line; they must belong together. */
  public static CertifiedKey load(Path certFile, Path keyFile) {
    return Pem.readCertifiedKey(certFile, keyFile);
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }
}
