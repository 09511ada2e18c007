package io.sidestep.client.relay;

import io.sidestep.core.tls.TlsEngines;
import java.util.Locale;

/**
 * The ClientHello the client sends its relays.
 *
 * <p>{@link #CHROME}, the default: that of current desktop Chrome ({@link ChromeHello}: its JA4,
 * GREASE, a fresh extension order per connection, ALPN {@code h2,http/1.1}), through Bouncy
 * Castle's TLS, so that the link to a relay looks like a browser's to anyone watching. {@link
 * #FAST}: Netty's TLS on the engine {@link TlsEngines} picks (BoringSSL when it loads), with a
 * hello no browser sends. With one long-lived connection per relay the handshake's cost no longer
 * shows in the rate of new tunnels; measured side by side (bench/tunnels.sh with
 * SIDESTEP_BENCH_CLIENT_ARGS), the Chrome hello's link moves bulk at about 0.92 of the fast one's
 * rate for about 1.08 times its CPU.
 *
 * <p>The system property {@code sidestep.tls.engine} is an older way to choose: {@code chrome}
 * means {@link #CHROME}, {@code openssl} or {@code jdk} mean {@link #FAST} on that engine.
 */
public enum TlsHello {
  CHROME,
  FAST;

  /** What {@code --tls-hello} says when not given: see the class comment. */
  public static TlsHello fromSystemProperty() {
    String engine = System.getProperty(TlsEngines.PROPERTY, "").trim();
    if (engine.isEmpty()) {
      return CHROME;
    }
    return TlsEngines.chromeHello() ? CHROME : FAST;
  }

  /**
   * Reads {@code chrome} or {@code fast}, in any case.
   *
   * @throws IllegalArgumentException naming the option, the value and what is expected
   */
  public static TlsHello parse(String option, String value) {
    return switch (value.trim().toLowerCase(Locale.ROOT)) {
      case "chrome" -> CHROME;
      case "fast" -> FAST;
      default ->
          throw new IllegalArgumentException(
              option + ": '" + value + "' (expected: chrome or fast)");
    };
  }

  /** The name {@code --tls-hello} takes. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
