package io.sidestep.server;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's own key and certificate, kept in its state directory as {@value #CERT_FILE} and
 * {@value #KEY_FILE} (mode 600).
 *
 * <p>The first use generates an EC P-256 key and a self-signed certificate shaped like the one a
 * Debian server makes for itself at install time ({@code ssl-cert}'s "snakeoil"): named after the
 * host, valid for ten years from a moment some hours or days ago (the install, not this second).
 * Every later use loads the same files, so the pin in the users' access keys stays valid across
 * restarts, and certificates made by older versions are kept as they are. Clients check the pin,
 * not the name or the dates, so the name only has to look ordinary: the relay's public host name
 * when one is known, else this machine's host name, else {@code localhost}; never an address.
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
        hostHint == null
                || hostHint.isBlank()
                || isWildcard(hostHint)
                || IpLiterals.isIpLiteral(hostHint)
            ? machineName()
            : hostHint;
    Instant notBefore =
        Instant.now()
            .truncatedTo(ChronoUnit.SECONDS)
            .minus(Duration.ofMinutes(10 + RANDOM.nextInt(MAX_AGE_MINUTES)));
    CertifiedKey k = CertifiedKey.selfSigned(host, notBefore, notBefore.plus(VALIDITY));
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

  /** Ten years, as {@code ssl-cert} makes them; the pin, not the dates, is what clients check. */
  static final Duration VALIDITY = Duration.ofDays(3650);

  /** A new certificate's start lies up to this far back (three days). */
  static final int MAX_AGE_MINUTES = 3 * 24 * 60;

  private static final SecureRandom RANDOM = new SecureRandom();

  private static final Pattern HOST_NAME =
      Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");

  /** This machine's host name, as {@code ssl-cert} names its certificate, or {@code localhost}. */
  static String machineName() {
    try {
      String n = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
      return HOST_NAME.matcher(n).matches() && !IpLiterals.isIpLiteral(n) ? n : "localhost";
    } catch (IOException | RuntimeException e) {
      return "localhost";
    }
  }

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }
}
