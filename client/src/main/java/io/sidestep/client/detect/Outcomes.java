package io.sidestep.client.detect;

import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Failures;

/** Turns the client's failures into detection's vocabulary. */
public final class Outcomes {
  private Outcomes() {}

  /** Local DNS failures, by the kind the resolver gave them; a failed look-up is not an answer. */
  public static Lookup lookup(Throwable error) {
    return switch (Failures.kindOf(error)) {
      case NAME_NOT_FOUND -> Lookup.nxDomain();
      case NO_ADDRESS -> Lookup.noData();
      default -> Lookup.failed(String.valueOf(Failures.unwrap(error).getMessage()));
    };
  }

  /** How a direct connect failed, or null when it is not a kind a censor causes. */
  public static ConnectFailure connectFailure(DialException e) {
    return switch (e.kind()) {
      case TIMEOUT -> ConnectFailure.TIMEOUT;
      case CONNECTION_REFUSED -> ConnectFailure.REFUSED;
      case UNREACHABLE -> ConnectFailure.UNREACHABLE;
      default -> null;
    };
  }

  /** A failed relay step: the relay unreachable, or reached but failing the step. */
  public static RelayOutcome relayOutcome(DialException e) {
    return switch (e.kind()) {
      case RELAY_UNAVAILABLE -> RelayOutcome.unreachable(e.getMessage());
      default -> RelayOutcome.failed(e.getMessage());
    };
  }
}
