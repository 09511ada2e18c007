package io.sidestep.server.fleet;

import io.sidestep.server.Limits;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An access key's token signed with the operator's {@link FleetKey}: a relay that trusts the key
 * accepts it without a users file entry and enforces the limits it carries.
 *
 * <p>Written {@code f1.PAYLOAD.SIGNATURE}, both base64url without padding, so it fits an access
 * key's user info as it is. The payload is one line of text, {@code NAME id=ID issued=EPOCHMILLIS
 * [limit=50GB/30d lifetime=1TB expires=2027-01-31 max-conns=N rate=10Mbit/s]}, with the limits in
 * the users file's syntax; the signature is Ed25519 over {@value #CONTEXT} and the payload. {@code
 * id} is 72 random bits that name this one token in a revocation. {@link #toString()} shows no
 * signature.
 */
public record SignedToken(String name, String id, Instant issued, Limits limits) {

  /** Every signed token starts with this. */
  public static final String PREFIX = "f1.";

  static final String CONTEXT = "sidestep fleet token\n";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{12}");

  /** Token lengths beyond this are not looked at. */
  static final int MAX_LENGTH = 700;

  public SignedToken {
    io.sidestep.server.internal.UsersFile.checkName(name);
    if (!ID.matcher(id).matches()) {
      throw new IllegalArgumentException(
          "token id: '" + id + "' (expected: 12 base64url characters)");
    }
    issued = issued.truncatedTo(ChronoUnit.MILLIS);
    limits = limits == null ? Limits.NONE : limits;
  }

  /** A new token for {@code name} with a fresh id, issued now. */
  public static SignedToken issue(String name, Limits limits) {
    byte[] raw = new byte[9];
    RANDOM.nextBytes(raw);
    return new SignedToken(
        name, Base64.getUrlEncoder().withoutPadding().encodeToString(raw), Instant.now(), limits);
  }

  /** The token's text, signed with {@code key}: what goes after {@code NAME:} in an access key. */
  public String sign(FleetKey key) {
    byte[] payload = payload().getBytes(StandardCharsets.UTF_8);
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return PREFIX
        + b64.encodeToString(payload)
        + "."
        + b64.encodeToString(key.sign(signed(payload)));
  }

  private String payload() {
    List<String> f = new ArrayList<>();
    f.add(name);
    f.add("id=" + id);
    f.add("issued=" + issued.toEpochMilli());
    f.addAll(limits.fields());
    return String.join(" ", f);
  }

  private static byte[] signed(byte[] payload) {
    byte[] context = CONTEXT.getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[context.length + payload.length];
    System.arraycopy(context, 0, all, 0, context.length);
    System.arraycopy(payload, 0, all, context.length, payload.length);
    return all;
  }

  /** Whether {@code token} has the form of a signed token (it may still be forged). */
  public static boolean looksSigned(String token) {
    return token.startsWith(PREFIX);
  }

  /**
   * The token {@code text} carries, if {@code key} signed it and it is well formed; empty for
   * anything else. Never throws: a stranger's token is just not valid. Expiry and revocation are
   * the caller's to check.
   */
  public static Optional<SignedToken> verify(String text, TrustKey key) {
    if (text == null || text.length() > MAX_LENGTH || !looksSigned(text)) {
      return Optional.empty();
    }
    int dot = text.indexOf('.', PREFIX.length());
    if (dot < 0 || text.indexOf('.', dot + 1) >= 0) {
      return Optional.empty();
    }
    byte[] payload;
    byte[] signature;
    try {
      payload = Base64.getUrlDecoder().decode(text.substring(PREFIX.length(), dot));
      signature = Base64.getUrlDecoder().decode(text.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    if (!key.verifies(signed(payload), signature)) {
      return Optional.empty();
    }
    try {
      return Optional.of(parsePayload(new String(payload, StandardCharsets.UTF_8)));
    } catch (RuntimeException e) {
      return Optional.empty(); // signed but not understood (a newer format): not valid here
    }
  }

  private static SignedToken parsePayload(String payload) {
    String[] f = payload.split(" ");
    String id = null;
    Instant issued = null;
    Limits limits = Limits.NONE;
    for (int i = 1; i < f.length; i++) {
      if (f[i].startsWith("id=")) {
        id = f[i].substring(3);
      } else if (f[i].startsWith("issued=")) {
        issued = Instant.ofEpochMilli(Long.parseLong(f[i].substring(7)));
      } else {
        limits = Limits.parseField(f[i], limits);
      }
    }
    if (id == null || issued == null) {
      throw new IllegalArgumentException("no id or issued");
    }
    return new SignedToken(f[0], id, issued, limits);
  }

  /** Whether the token has expired on {@code today} (UTC): it works through its expiry date. */
  public boolean expiredOn(LocalDate today) {
    return limits.expires() != null && today.isAfter(limits.expires());
  }

  @Override
  public String toString() {
    return "SignedToken["
        + name
        + " id="
        + id
        + " issued="
        + issued
        + " "
        + limits.describe()
        + "]";
  }
}
