package io.sidestep.server.internal;

import io.sidestep.server.fleet.Revocations;
import io.sidestep.server.fleet.SignedToken;
import io.sidestep.server.fleet.TrustKey;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * What a relay run with {@code --trust-key} accepts beyond its users file: tokens the operator's
 * key signed, for the name they carry, until they expire or are revoked. The revocation list is
 * swapped as a whole when its file changes.
 */
public final class FleetTrust {

  private final TrustKey key;
  private final Clock clock;
  private volatile Revocations revocations = Revocations.EMPTY;

  public FleetTrust(TrustKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
  }

  public TrustKey key() {
    return key;
  }

  public void revocations(Revocations r) {
    revocations = r;
  }

  public Revocations revocations() {
    return revocations;
  }

  /** The token, when it is signed by the key for {@code name}, and neither expired nor revoked. */
  Optional<SignedToken> check(String name, String token) {
    return SignedToken.verify(token, key)
        .filter(t -> t.name().equals(name))
        .filter(t -> why(t) == null);
  }

  /** Why a token verified earlier is no longer valid (expired or revoked), or null. */
  String why(SignedToken t) {
    if (t.expiredOn(LocalDate.now(clock.withZone(ZoneOffset.UTC)))) {
      return "access key expired on " + t.limits().expires();
    }
    if (revocations.revokes(t)) {
      return "access key revoked";
    }
    return null;
  }
}
