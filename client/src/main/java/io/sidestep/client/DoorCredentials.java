package io.sidestep.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The user name and password both doors demand when given ({@code --door-credentials
 * USER:PASSWORD}): SOCKS5 user/password authentication (RFC 1929) and HTTP {@code
 * Proxy-Authorization: Basic} (the HTTP door's own pages ask for the same with {@code
 * Authorization: Basic}). Required whenever a door listens on a non-loopback address. {@link
 * #toString()} masks the password.
 */
public record DoorCredentials(String user, String password) {

  public DoorCredentials {
    if (user == null || user.isEmpty() || user.length() > 255) {
      throw new IllegalArgumentException(
          "door credentials: user name of "
              + (user == null ? 0 : user.length())
              + " characters (expected: 1-255, USER:PASSWORD)");
    }
    if (password == null || password.isEmpty() || password.length() > 255) {
      throw new IllegalArgumentException(
          "door credentials for '"
              + user
              + "': empty or too long password (expected: 1-255"
              + " characters, USER:PASSWORD)");
    }
    if (user.indexOf(':') >= 0) {
      throw new IllegalArgumentException(
          "door credentials: user name contains ':' (expected: USER:PASSWORD)");
    }
  }

  /** Parses {@code USER:PASSWORD}; the message of a failure never contains the password. */
  public static DoorCredentials parse(String text) {
    int colon = text.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(
          "door credentials: no ':' between user and password (expected: USER:PASSWORD)");
    }
    return new DoorCredentials(text.substring(0, colon), text.substring(colon + 1));
  }

  /** Checks a user and password in time that does not depend on where they differ. */
  public boolean matches(String user, String password) {
    if (user == null || password == null) {
      return false;
    }
    boolean u =
        MessageDigest.isEqual(
            user.getBytes(StandardCharsets.UTF_8), this.user.getBytes(StandardCharsets.UTF_8));
    boolean p =
        MessageDigest.isEqual(
            password.getBytes(StandardCharsets.UTF_8),
            this.password.getBytes(StandardCharsets.UTF_8));
    return u & p;
  }

  /**
   * Checks the value of an {@code Authorization} or {@code Proxy-Authorization} header: {@code
   * Basic} and the user and password in base64, compared as {@link #matches} does.
   */
  public boolean matchesBasic(String header) {
    if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return false;
    }
    int colon = decoded.indexOf(':');
    return colon >= 0 && matches(decoded.substring(0, colon), decoded.substring(colon + 1));
  }

  @Override
  public String toString() {
    return "DoorCredentials[" + user + ":****]";
  }
}
