package io.sidestep.client.detect;

import io.sidestep.client.dial.DialException;
import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.RelayOutcome;
import java.net.UnknownHostException;

/** Turns the client's failures into detection's vocabulary. */
public final class Outcomes {
  private Outcomes() {}

  /** Local DNS failures, told apart where the resolver says how it failed. */
  public static Lookup lookup(Throwable error) {
    Throwable t = error;
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof io.netty.resolver.dns.DnsErrorCauseException dns) {
        return dns.getCode() == io.netty.handler.codec.dns.DnsResponseCode.NXDOMAIN
            ? Lookup.nxDomain()
            : Lookup.failed(dns.getCode().toString());
      }
      if (c instanceof io.netty.resolver.dns.DnsNameResolverTimeoutException) {
        return Lookup.failed("timeout");
      }
    }
    String m = String.valueOf(t.getMessage());
    if (m.contains("no address") || m.contains("No address") || m.contains("no matching record")) {
      return Lookup.noData();
    }
    if (t instanceof UnknownHostException && t.getCause() == null) {
      // The system resolver says no more than this; a temporary failure is not an answer.
      return m.contains("Temporary failure") || m.contains("try again")
          ? Lookup.failed(m)
          : Lookup.nxDomain();
    }
    return Lookup.failed(m);
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
