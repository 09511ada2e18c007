package io.sidestep.core.relay;

import io.sidestep.core.route.Destination;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A relay access key, {@code sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#LABEL}.
 *
 * <p>{@code pin} is the base64 SHA-256 of the relay certificate's SubjectPublicKeyInfo, the format
 * {@code curl --pinnedpubkey} takes. Without a pin the relay's certificate is checked against the
 * JVM trust store. {@link #toString()} masks the token; {@link #toUri()} does not.
 */
public record AccessKey(
    String user, String token, Destination relay, Optional<String> pin, String label) {

  public static final String SCHEME = "sidestep";

  public AccessKey {
    if (user == null || user.isEmpty()) {
      throw new IllegalArgumentException(
          "access key: no user name (expected: sidestep://NAME:TOKEN@HOST:PORT)");
    }
    if (token == null || token.isEmpty()) {
      throw new IllegalArgumentException(
          "access key for '" + user + "': no token (expected: sidestep://NAME:TOKEN@HOST:PORT)");
    }
    pin.ifPresent(
        p -> {
          if (!p.startsWith("sha256/") || p.length() != "sha256/".length() + 44) {
            throw new IllegalArgumentException(
                "access key pin: '" + p + "' (expected: sha256/ and 44 base64 characters)");
          }
        });
    label = label == null || label.isEmpty() ? user : label;
  }

  /**
   * Parses an access key.
   *
   * @throws IllegalArgumentException with a message that never contains the token
   */
  public static AccessKey parse(String text) {
    String expected = " (expected: sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#LABEL)";
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("access key: not a valid URI" + expected);
    }
    if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("access key: scheme '" + uri.getScheme() + "'" + expected);
    }
    String info = uri.getRawUserInfo();
    if (info == null || info.indexOf(':') < 0) {
      throw new IllegalArgumentException("access key: no NAME:TOKEN" + expected);
    }
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException("access key: no HOST:PORT" + expected);
    }
    String user = decode(info.substring(0, info.indexOf(':')));
    String token = decode(info.substring(info.indexOf(':') + 1));
    Optional<String> pin = Optional.empty();
    String query = uri.getRawQuery();
    if (query != null) {
      for (String part : query.split("&")) {
        if (part.startsWith("pin=")) {
          pin = Optional.of(decodePin(part.substring(4)));
        }
      }
    }
    String label = uri.getFragment() == null ? user : uri.getFragment();
    return new AccessKey(user, token, Destination.of(uri.getHost(), uri.getPort()), pin, label);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static String decodePin(String s) {
    // A pin's base64 may hold '+' and '/': keep '+' literal, undo only %-escapes.
    return decode(s);
  }

  /** The key as a URI, token included: print it only where the operator asked for it. */
  public String toUri() {
    StringBuilder b =
        new StringBuilder(SCHEME)
            .append("://")
            .append(user)
            .append(':')
            .append(token)
            .append('@')
            .append(relay.authority());
    pin.ifPresent(p -> b.append("?pin=").append(p));
    b.append('#').append(label);
    return b.toString();
  }

  @Override
  public String toString() {
    String pinned = pin.map(p -> " pin=" + p).orElse("");
    return "AccessKey[%s %s@%s%s token=****]".formatted(label, user, relay.authority(), pinned);
  }
}
