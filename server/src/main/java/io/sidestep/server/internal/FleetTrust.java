package io.sidestep.server.internal;

import io.sidestep.server.Limits;
import io.sidestep.server.fleet.FleetKey;
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
  private final String decoy;
  private volatile Revocations revocations = Revocations.EMPTY;

  public FleetTrust(TrustKey key, Clock clock) {
    this.key = key;
    this.clock = clock;
    // A token signed by a key of its own: checking it against the operator's key costs what
    // checking a forged token does (a whole signature check: a random signature would often fail
    // early, at decoding its point), and it never verifies.
    this.decoy = SignedToken.issue("decoy", Limits.NONE).sign(FleetKey.generate());
  }

  /**
   * Does the work of checking a forged signed token, and nothing else: called for every credential
   * that is not a signed token, so that a prober cannot tell by timing that this relay checks
   * signatures (a signature check costs tens of microseconds, a users-file check a few).
   */
  void spendAsForACheck() {
    SignedToken.verify(decoy, key);
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
