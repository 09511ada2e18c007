package io.sidestep.core.relay;

import io.sidestep.core.route.Destination;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A relay access key, {@code sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#LABEL}.
 *
 * <p>{@code pin} is the base64 SHA-256 of the relay certificate's SubjectPublicKeyInfo, the format
 * {@code curl --pinnedpubkey} takes. Without a pin the relay's certificate is checked against the
 * JVM trust store. {@link #toString()} masks the token; {@link #toUri()} does not.
 *
 * <p>A key may name several relays of one fleet, {@code
 * sidestep://NAME:TOKEN@HOST1:PORT,HOST2:PORT?pin=sha256/A&pin=sha256/B#LABEL} (one pin for all, or
 * one per relay in their order; a port left out is 443). {@link #parseAll} reads it as one key per
 * relay, starting at a relay picked by a hash of the token, so that a fleet's users spread over its
 * relays while each user keeps to one; the rest follow in their order, for failover.
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
    URI uri = uri(text);
    if (uri.getRawAuthority() != null && uri.getRawAuthority().indexOf(',') >= 0) {
      throw new IllegalArgumentException(
          "access key: names several relays (expected: one here; parseAll reads several)");
    }
    return parseOne(uri);
  }

  private static final String EXPECTED =
      " (expected: sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#LABEL)";

  private static URI uri(String text) {
    URI uri;
    try {
      uri = new URI(text.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("access key: not a valid URI" + EXPECTED);
    }
    if (!SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("access key: scheme '" + uri.getScheme() + "'" + EXPECTED);
    }
    return uri;
  }

  /**
   * Parses an access key that names one relay or several: one key per relay, the first picked by
   * {@link #spreadStart} from the token, then the others in their order (wrapping around). A
   * single-relay key gives a list of one, as {@link #parse} reads it. The keys of a multi-relay key
   * are labelled {@code LABEL@HOST:PORT}.
   *
   * @throws IllegalArgumentException with a message that never contains the token
   */
  public static List<AccessKey> parseAll(String text) {
    String t = text.trim();
    int from = t.indexOf("://");
    if (from < 0) {
      return List.of(parse(t));
    }
    from += 3;
    int to = from;
    while (to < t.length() && "/?#".indexOf(t.charAt(to)) < 0) {
      to++;
    }
    String authority = t.substring(from, to);
    if (authority.indexOf(',') < 0) {
      return List.of(parse(t));
    }
    int at = authority.lastIndexOf('@');
    // java.net.URI takes no list of hosts: it reads the rest with one stand-in host.
    URI uri =
        uri(
            t.substring(0, from)
                + authority.substring(0, at + 1)
                + "fleet.invalid:443"
                + t.substring(to));
    String info = uri.getRawUserInfo();
    if (info == null || info.indexOf(':') <= 0) {
      throw new IllegalArgumentException("access key: no NAME:TOKEN" + EXPECTED);
    }
    String user = decode(info.substring(0, info.indexOf(':')));
    String token = decode(info.substring(info.indexOf(':') + 1));
    List<Destination> relays = new ArrayList<>();
    for (String part : authority.substring(at + 1).split(",", -1)) {
      URI one;
      try {
        one = new URI(SCHEME + "://" + part);
      } catch (URISyntaxException e) {
        one = null;
      }
      if (part.isEmpty() || one == null || one.getHost() == null) {
        throw new IllegalArgumentException(
            "access key: relay '" + part + "' in the list (expected: HOST:PORT or [IPv6]:PORT)");
      }
      relays.add(Destination.parse(part, 443));
    }
    List<String> pins = new ArrayList<>();
    String query = uri.getRawQuery();
    if (query != null) {
      for (String part : query.split("&")) {
        if (part.startsWith("pin=")) {
          pins.add(decodePin(part.substring(4)));
        }
      }
    }
    if (pins.size() > 1 && pins.size() != relays.size()) {
      throw new IllegalArgumentException(
          "access key: "
              + pins.size()
              + " pins for "
              + relays.size()
              + " relays (expected: one pin for all, or one per relay)");
    }
    String label = uri.getFragment() == null ? user : uri.getFragment();
    int start = spreadStart(token, relays.size());
    List<AccessKey> keys = new ArrayList<>();
    for (int i = 0; i < relays.size(); i++) {
      int k = (start + i) % relays.size();
      Optional<String> pin =
          pins.isEmpty() ? Optional.empty() : Optional.of(pins.get(pins.size() == 1 ? 0 : k));
      Destination relay = relays.get(k);
      keys.add(new AccessKey(user, token, relay, pin, label + "@" + relay.authority()));
    }
    return List.copyOf(keys);
  }

  /**
   * Where the relays of a multi-relay key start for this token: the first four bytes of the token's
   * SHA-256, modulo {@code relays}. Stable, so a user keeps to one relay while it is up, and even
   * over many users.
   */
  public static int spreadStart(String token, int relays) {
    try {
      byte[] h =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(token.getBytes(StandardCharsets.UTF_8));
      int v = ((h[0] & 0xff) << 24) | ((h[1] & 0xff) << 16) | ((h[2] & 0xff) << 8) | (h[3] & 0xff);
      return Integer.remainderUnsigned(v, relays);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The text of a key naming several relays (or one), as {@link #parseAll} reads it: {@code pins}
   * is empty, one pin for all, or one per relay.
   */
  public static String toUri(
      String user, String token, List<Destination> relays, List<String> pins, String label) {
    StringBuilder b =
        new StringBuilder(SCHEME).append("://").append(user).append(':').append(token);
    b.append('@').append(String.join(",", relays.stream().map(Destination::authority).toList()));
    for (int i = 0; i < pins.size(); i++) {
      b.append(i == 0 ? '?' : '&').append("pin=").append(pins.get(i));
    }
    b.append('#').append(label);
    String text = b.toString();
    parseAll(text); // checks it, as a client will read it
    return text;
  }

  private static AccessKey parseOne(URI uri) {
    String expected = EXPECTED;
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
