package io.sidestep.server.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Checks {@code Proxy-Authorization: Basic base64(NAME:TOKEN)} against the current users, and, with
 * a {@link FleetTrust}, tokens the operator's key signed.
 *
 * <p>The comparison is of SHA-256 hashes with {@link MessageDigest#isEqual}, which takes the same
 * time wherever the hashes differ; an unknown name is compared against a dummy hash so that it
 * costs the same as a wrong token. The user table is swapped as a whole when the users file
 * changes, so a check never sees half an update.
 */
public final class Authenticator {

  private static final byte[] DUMMY = UsersFile.hash("no such user");

  private volatile Map<String, byte[]> hashes = Map.of();
  private final FleetTrust fleet;

  /**
   * Headers that named a user of the users file, with the table they were checked against: a user's
   * client presents the same header on every tunnel, so it is decoded and hashed once. An entry
   * counts only while its table is the current one, so a removed user or a changed token is refused
   * at once. A header that names nobody is never kept (a stranger's wrong token costs what it
   * always cost). Emptied when it reaches {@value #KNOWN_MAX} entries.
   */
  private final Map<String, Known> known = new ConcurrentHashMap<>();

  private static final int KNOWN_MAX = 4096;

  private record Known(Map<String, byte[]> table, Principal principal) {}

  /** Users of the users file only. */
  public Authenticator() {
    this(null);
  }

  /** Users of the users file, and holders of tokens {@code fleet} trusts (when not null). */
  public Authenticator(FleetTrust fleet) {
    this.fleet = fleet;
  }

  /**
   * Who presented credentials: a user of the users file ({@code signed} null), or the holder of a
   * signed token.
   */
  public record Principal(String name, io.sidestep.server.fleet.SignedToken signed) {}

  /** Replaces the users, atomically for every later check. */
  public void replace(Map<String, UsersFile.Entry> users) {
    Map<String, byte[]> m = new HashMap<>();
    users.forEach((name, e) -> m.put(name, e.tokenHash()));
    hashes = Map.copyOf(m);
    known.clear();
  }

  public int size() {
    return hashes.size();
  }

  /**
   * The user name when {@code header} carries valid credentials, else null. Never throws on bad
   * input: a stranger's header is just not valid.
   */
  public String authenticate(String header) {
    Principal p = identify(header);
    return p == null ? null : p.name();
  }

  /**
   * Who {@code header} names, when its credentials are valid: a signed token that is bad, for
   * another name, expired or revoked is refused like any wrong token. Never throws.
   */
  public Principal identify(String header) {
    boolean[] checkedSignature = {false};
    Principal p = identify(header, checkedSignature);
    if (fleet != null && !checkedSignature[0]) {
      fleet.spendAsForACheck();
    }
    return p;
  }

  private Principal identify(String header, boolean[] checkedSignature) {
    if (header == null || header.length() < 7 || header.length() > 1024) {
      return null;
    }
    Map<String, byte[]> table = hashes;
    Known k = known.get(header);
    if (k != null && k.table() == table) {
      return k.principal();
    }
    if (!header.regionMatches(true, 0, "Basic ", 0, 6)) {
      return null;
    }
    String decoded;
    try {
      decoded =
          new String(
              Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon <= 0) {
      return null;
    }
    String name = decoded.substring(0, colon);
    String token = decoded.substring(colon + 1);
    if (fleet != null && io.sidestep.server.fleet.SignedToken.looksSigned(token)) {
      checkedSignature[0] = true;
      return fleet.check(name, token).map(t -> new Principal(name, t)).orElse(null);
    }
    byte[] presented = UsersFile.hash(token);
    byte[] expected = table.get(name);
    boolean ok = MessageDigest.isEqual(presented, expected == null ? DUMMY : expected);
    if (!ok || expected == null) {
      return null;
    }
    Principal p = new Principal(name, null);
    if (known.size() >= KNOWN_MAX) {
      known.clear();
    }
    known.put(header, new Known(table, p));
    return p;
  }
}
