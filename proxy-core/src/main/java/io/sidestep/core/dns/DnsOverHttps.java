package io.sidestep.core.dns;

import java.util.Base64;

/**
 * The conventions of DNS-over-HTTPS (RFC 8484) as the relay serves it: {@code GET
 * /dns-query?dns=BASE64URL} or {@code POST /dns-query} with a body of type {@code
 * application/dns-message}, answered with a DNS message of the same type. The relay requires the
 * same {@code Proxy-Authorization} as for tunnels; to anyone else {@code /dns-query} is a 404.
 */
public final class DnsOverHttps {
  private DnsOverHttps() {}

  public static final String PATH = "/dns-query";
  public static final String MEDIA_TYPE = "application/dns-message";

  /** The largest DNS message, and so the largest request body the relay accepts. */
  public static final int MAX_MESSAGE = 65535;

  /** {@code /dns-query?dns=} and the message in unpadded base64url, for a GET request. */
  public static String getPath(byte[] message) {
    return PATH + "?dns=" + Base64.getUrlEncoder().withoutPadding().encodeToString(message);
  }

  /**
   * Decodes the {@code dns} parameter of a GET request (base64url, padding optional).
   *
   * @throws DnsFormatException when it is not base64url or is too long for a DNS message
   */
  public static byte[] decodeGetParameter(String value) {
    if (value == null || value.isEmpty()) {
      throw new DnsFormatException("dns parameter: empty (expected: a base64url DNS message)");
    }
    if (value.length() > (MAX_MESSAGE * 4 / 3) + 4) {
      throw new DnsFormatException(
          "dns parameter: %d characters (expected: a message of at most %d bytes)"
              .formatted(value.length(), MAX_MESSAGE));
    }
    try {
      return Base64.getUrlDecoder().decode(value);
    } catch (IllegalArgumentException e) {
      throw new DnsFormatException("dns parameter: not base64url (" + e.getMessage() + ")");
    }
  }
}
