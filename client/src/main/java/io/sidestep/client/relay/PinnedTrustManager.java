package io.sidestep.client.relay;

import io.sidestep.core.tls.Pins;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * Trusts exactly one public key: the relay certificate whose SubjectPublicKeyInfo has the pin of
 * the access key, whatever its issuer, names or dates (the relay's certificate is self-signed by
 * design; the pin is what authenticates it). Anything else is refused with both pins named.
 */
final class PinnedTrustManager extends RelayTrustManager {

  private final String pin;
  private final String relay;

  PinnedTrustManager(String pin, String relay) {
    this.pin = pin;
    this.relay = relay;
  }

  @Override
  void check(X509Certificate[] chain, String authType) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new PinMismatchException("relay " + relay + " presented no certificate");
    }
    String got = Pins.of(chain[0]);
    if (!MessageDigest.isEqual(
        got.getBytes(StandardCharsets.US_ASCII), pin.getBytes(StandardCharsets.US_ASCII))) {
      throw new PinMismatchException(
          "relay "
              + relay
              + " presented a certificate with key "
              + got
              + " (expected: the pinned key "
              + pin
              + ")");
    }
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  /** Whether {@code error} or one of its causes is a pin mismatch. */
  static boolean isMismatch(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof PinMismatchException) {
        return true;
      }
    }
    return false;
  }

  /** The relay's key is not the pinned one. */
  static final class PinMismatchException extends CertificateException {
    private static final long serialVersionUID = 1L;

    PinMismatchException(String message) {
      super(message);
    }
  }
}
