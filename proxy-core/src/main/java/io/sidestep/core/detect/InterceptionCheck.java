package io.sidestep.core.detect;

import io.sidestep.core.detect.internal.CertNames;
import io.sidestep.core.detect.internal.HostnameMatcher;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Checks the certificate chain the direct path presented for a host against TLS interception
 * (technique 11): PKIX validation with a trust store (the JVM's by default) and the host name
 * check, plus the interception certificates seen in Kazakhstan, matched by name ({@link
 * CertNames#INTERCEPTION_NAMES}) and by SHA-256 fingerprint ({@link #INTERCEPTION_ROOTS}), so that
 * an interception root a user was told to install does not make interception look clean. The
 * legitimate national PKI (pki.gov.kz) is not distrusted wholesale: only those names are marked.
 *
 * <p>Optionally the leaf is compared with the one seen through the relay: the 2019 interception
 * copied the subject and names, replaced the key, and shifted validity 6 hours earlier. A leaf with
 * the same names and another key, from another issuer or shifted exactly 6 hours, is interception
 * even under a root the user installed (which validation alone cannot see). Another key under the
 * same issuer is an ordinary renewal or key rotation and is not. The price: a site served by two
 * CDNs with certificates from two CAs, each CDN reached from one side, looks like interception; the
 * host then goes through the relay for a while, which costs speed, not access.
 *
 * <p>A failed check counts only when the relay's chain is clean; when the relay sees the same
 * failure, the certificate is broken for everyone.
 */
public final class InterceptionCheck {

  /** SHA-256 fingerprints (upper-case hex) of interception roots quoted publicly. */
  public static final Set<String> INTERCEPTION_ROOTS =
      Set.of(
          "89107C8E50E029B7B5F4FF0CCD2956BCC9D0C8BA2BFB6A58374ED63A6B034A30",
          "C530FADC9BFA265E63B755CC6EE04C2D70D60BB916CE2F331DC7359362571B25",
          "235150DE7DF7DB2E538D461BC4D210C4E0819BE2C4C76969476E3CBE67B723DD");

  /** The validity shift of the 2019 interception's forged leaves: 6 hours. */
  public static final Duration FORGED_SHIFT = Duration.ofHours(6);

  private final X509TrustManager trust;
  private final Set<String> roots;
  private final Clock clock;

  /** A check against {@code trust} and the default interception roots. */
  public InterceptionCheck(X509TrustManager trust, Clock clock) {
    this(trust, INTERCEPTION_ROOTS, clock);
  }

  /** A check against {@code trust} and the given root fingerprints (SHA-256, hex). */
  public InterceptionCheck(X509TrustManager trust, Set<String> rootFingerprints, Clock clock) {
    this.trust = Objects.requireNonNull(trust, "trust");
    this.roots =
        rootFingerprints.stream()
            .map(f -> f.replace(":", "").toUpperCase(Locale.ROOT))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The JVM's default X.509 trust manager (its {@code cacerts}). */
  public static X509TrustManager jvmTrustManager() {
    try {
      TrustManagerFactory f =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      f.init((KeyStore) null);
      for (TrustManager tm : f.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          return x;
        }
      }
      throw new IllegalStateException("the JVM has no X509TrustManager");
    } catch (NoSuchAlgorithmException | KeyStoreException e) {
      throw new IllegalStateException("the JVM's trust store cannot be loaded", e);
    }
  }

  /** Judges one chain (leaf first) presented for {@code host} on its own. */
  public ChainReport inspect(String host, List<X509Certificate> chain) {
    if (chain.isEmpty()) {
      return new ChainReport(Optional.of("no certificate"), Optional.empty());
    }
    return new ChainReport(validate(host, chain), interceptionMark(chain));
  }

  /**
   * Judges the direct chain against the relay's view. Call with {@link RelayChain.NotChecked}
   * first; {@link CertVerdict.Unknown} then means the relay's view is needed.
   */
  public CertVerdict judge(String host, List<X509Certificate> direct, RelayChain relay) {
    ChainReport d = inspect(host, direct);
    if (relay instanceof RelayChain.Failed f) {
      return d.clean()
          ? new CertVerdict.Ok("direct chain validates; relay failed (" + f.reason() + ")")
          : new CertVerdict.Unknown(
              "direct chain " + d.describe() + "; relay failed (" + f.reason() + ")");
    }
    if (!(relay instanceof RelayChain.Seen seen)) {
      return d.clean()
          ? new CertVerdict.Ok("direct chain validates")
          : new CertVerdict.Unknown("direct chain " + d.describe() + "; relay not asked");
    }
    ChainReport r = inspect(host, seen.chain());
    if (!r.clean()) {
      return d.clean()
          ? new CertVerdict.Ok("direct chain validates; relay's does not (" + r.describe() + ")")
          : new CertVerdict.BrokenForEveryone(
              "direct chain " + d.describe() + "; relay chain " + r.describe());
    }
    if (!d.clean()) {
      return mitm("direct chain " + d.describe() + "; relay chain validates");
    }
    Optional<String> forged = forgedLeaf(direct.get(0), seen.chain().get(0));
    if (forged.isPresent()) {
      return mitm(forged.get() + "; relay chain validates");
    }
    return new CertVerdict.Ok("direct and relay chains validate");
  }

  private CertVerdict mitm(String text) {
    return new CertVerdict.Mitm(Evidence.of(Technique.TLS_MITM, text, clock));
  }

  private Optional<String> validate(String host, List<X509Certificate> chain) {
    X509Certificate leaf = chain.get(0);
    try {
      trust.checkServerTrusted(chain.toArray(new X509Certificate[0]), authType(leaf));
    } catch (CertificateException | IllegalArgumentException e) {
      return Optional.of(shortReason(e));
    }
    return HostnameMatcher.matches(host, leaf)
        ? Optional.empty()
        : Optional.of("not valid for " + host + " (names " + HostnameMatcher.names(leaf) + ")");
  }

  private static String authType(X509Certificate leaf) {
    String alg = leaf.getPublicKey().getAlgorithm();
    return switch (alg) {
      case "RSA" -> "ECDHE_RSA";
      case "EC" -> "ECDHE_ECDSA";
      default -> "UNKNOWN";
    };
  }

  private static String shortReason(Exception e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.length() > 120 ? m.substring(0, 119) + "…" : m;
  }

  /** The first interception mark in the chain (or in the trusted root it chains to). */
  Optional<String> interceptionMark(List<X509Certificate> chain) {
    for (X509Certificate c : chain) {
      Optional<String> bySubject = CertNames.interceptionName(c.getSubjectX500Principal());
      if (bySubject.isPresent()) {
        return Optional.of("interception certificate '" + bySubject.get() + "' in chain");
      }
      Optional<String> byIssuer = CertNames.interceptionName(c.getIssuerX500Principal());
      if (byIssuer.isPresent()) {
        return Optional.of("issued by interception CA '" + byIssuer.get() + "'");
      }
      if (roots.contains(fingerprint(c))) {
        return Optional.of("interception root " + fingerprint(c).substring(0, 16) + "… in chain");
      }
    }
    // The root itself is rarely sent: look for an installed root the top certificate chains to.
    X509Certificate top = chain.get(chain.size() - 1);
    for (X509Certificate anchor : trust.getAcceptedIssuers()) {
      if (anchor.getSubjectX500Principal().equals(top.getIssuerX500Principal())
          && roots.contains(fingerprint(anchor))) {
        return Optional.of(
            "chains to installed interception root " + fingerprint(anchor).substring(0, 16) + "…");
      }
    }
    return Optional.empty();
  }

  /**
   * Evidence that {@code direct} is a forgery of {@code relay}, the leaf seen through the relay.
   */
  static Optional<String> forgedLeaf(X509Certificate direct, X509Certificate relay) {
    if (direct.equals(relay)
        || java.util.Arrays.equals(
            direct.getPublicKey().getEncoded(), relay.getPublicKey().getEncoded())) {
      return Optional.empty();
    }
    boolean sameNames =
        direct.getSubjectX500Principal().equals(relay.getSubjectX500Principal())
            && HostnameMatcher.names(direct).equals(HostnameMatcher.names(relay));
    if (!sameNames) {
      return Optional.empty(); // a different certificate altogether, as CDNs serve
    }
    Duration before =
        Duration.between(direct.getNotBefore().toInstant(), relay.getNotBefore().toInstant());
    Duration after =
        Duration.between(direct.getNotAfter().toInstant(), relay.getNotAfter().toInstant());
    if (before.equals(FORGED_SHIFT) && after.equals(FORGED_SHIFT)) {
      return Optional.of(
          "leaf copies the relay's names with another key, issuer '"
              + CertNames.shortName(direct.getIssuerX500Principal())
              + "', validity 6 h earlier");
    }
    if (!direct.getIssuerX500Principal().equals(relay.getIssuerX500Principal())) {
      return Optional.of(
          "leaf copies the relay's names with another key and issuer '"
              + CertNames.shortName(direct.getIssuerX500Principal())
              + "' (relay: '"
              + CertNames.shortName(relay.getIssuerX500Principal())
              + "')");
    }
    return Optional.empty(); // another key under the same issuer: an ordinary renewal or rotation
  }

  /** Upper-case hex SHA-256 of the certificate's DER encoding. */
  public static String fingerprint(X509Certificate c) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
      return HexFormat.of().withUpperCase().formatHex(d);
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("certificate cannot be fingerprinted", e);
    }
  }
}
