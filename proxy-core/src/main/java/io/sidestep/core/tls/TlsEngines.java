package io.sidestep.core.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the TLS implementation of the relay link, on the client and on the relay alike: OpenSSL
 * (the BoringSSL build that netty-tcnative bundles) when its native library loads and offers TLS
 * 1.3 and ALPN, otherwise the JDK's own. Both speak TLS 1.3 and 1.2 from the same builder settings
 * and call the same trust managers, so pins and certificate checks are unchanged; the difference is
 * speed (the JDK's AES-GCM bounded relayed downloads to a fraction of a direct one; see
 * bench/throughput.sh).
 *
 * <p>Default: OpenSSL when available. The system property {@code sidestep.tls.engine=jdk} forces
 * the JDK's, to compare or to rule out the native library; {@code openssl} (or nothing) prefers
 * OpenSSL; {@code chrome} is {@code openssl} for contexts, and tells the client to reach its relays
 * with a Chrome-shaped hello instead ({@link #chromeHello()}; the client's {@code run --tls-hello}
 * says the same and wins). A context that OpenSSL cannot build (a key type it refuses, say) is
 * built with the JDK instead, with a warning.
 */
public final class TlsEngines {

  /** The system property that can force the JDK's engine: {@value}. */
  public static final String PROPERTY = "sidestep.tls.engine";

  private static final Logger LOG = LoggerFactory.getLogger(TlsEngines.class);

  private TlsEngines() {}

  /** The engine new contexts get: {@link SslProvider#OPENSSL} or {@link SslProvider#JDK}. */
  public static SslProvider preferred() {
    return switch (wanted()) {
      case "jdk" -> SslProvider.JDK;
      default -> openSslUsable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }

  /** Whether the client reaches its relays with a Chrome-shaped hello: {@code chrome}. */
  public static boolean chromeHello() {
    return wanted().equals("chrome");
  }

  private static String wanted() {
    String wanted = System.getProperty(PROPERTY, "openssl").trim().toLowerCase(Locale.ROOT);
    return switch (wanted) {
      case "jdk", "openssl", "chrome" -> wanted;
      case "" -> "openssl";
      default ->
          throw new IllegalArgumentException(
              PROPERTY + ": '" + wanted + "' (expected: openssl, jdk or chrome)");
    };
  }

  /** What {@link #preferred()} gives, in words, for a log line. */
  public static String describe() {
    if (preferred() == SslProvider.OPENSSL) {
      return "OpenSSL (" + OpenSsl.versionString() + ")";
    }
    String why =
        "jdk".equalsIgnoreCase(System.getProperty(PROPERTY, "").trim())
            ? PROPERTY + "=jdk"
            : "OpenSSL unavailable: " + unavailability();
    return "JDK (" + why + ")";
  }

  /**
   * Builds {@code builder} with the {@link #preferred()} engine; if OpenSSL fails to build it, with
   * the JDK's.
   *
   * @throws SSLException when the JDK cannot build it either
   */
  public static SslContext build(SslContextBuilder builder) throws SSLException {
    SslProvider provider = preferred();
    if (provider == SslProvider.OPENSSL) {
      try {
        return builder.sslProvider(SslProvider.OPENSSL).build();
      } catch (SSLException | RuntimeException | LinkageError e) {
        LOG.warn("OpenSSL cannot set up this TLS context ({}); using the JDK's TLS", e.toString());
      }
    }
    return builder.sslProvider(SslProvider.JDK).build();
  }

  private static boolean openSslUsable() {
    try {
      return OpenSsl.isAvailable()
          && SslProvider.isTlsv13Supported(SslProvider.OPENSSL)
          && SslProvider.isAlpnSupported(SslProvider.OPENSSL);
    } catch (LinkageError e) {
      return false; // a broken or foreign native library: the JDK's TLS still works
    }
  }

  private static String unavailability() {
    Throwable cause = OpenSsl.unavailabilityCause();
    if (cause != null) {
      return cause.toString();
    }
    return SslProvider.isTlsv13Supported(SslProvider.OPENSSL) ? "no ALPN" : "no TLS 1.3";
  }
}
