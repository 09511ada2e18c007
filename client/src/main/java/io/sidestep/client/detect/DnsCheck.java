package io.sidestep.client.detect;

import io.sidestep.client.detect.Steps.DnsResult;
import io.sidestep.core.netty.DialException;

/**
 * Step 1 of an {@link Attempt}: the local DNS answer, checked against the relay's when it looks
 * like a censor's ({@link Steps#dns}). A tampered answer is learned and the connection goes through
 * the relay.
 */
final class DnsCheck {

  private final Attempt a;

  DnsCheck(Attempt attempt) {
    this.a = attempt;
  }

  void run() {
    a.steps
        .dns(a.loop, a.s.dialer(), a.dest)
        .whenComplete((r, error) -> a.loop.execute(() -> resolved(r, error)));
  }

  private void resolved(DnsResult r, Throwable error) {
    if (error != null) {
      notResolved(String.valueOf(error.getMessage()));
    } else if (r instanceof DnsResult.Tampered t) {
      a.detected(t.evidence());
      a.s.routeRelay();
    } else if (r instanceof DnsResult.Resolved ok) {
      if (!ok.note().isEmpty()) {
        a.s.note("dns: " + ok.note());
      }
      a.afterDns(ok.addresses());
    } else if (r instanceof DnsResult.RelayOnly relayOnly) {
      a.s.note("dns: " + relayOnly.reason() + "; through the relay this time, nothing learned");
      a.s.routeRelay();
    } else {
      notResolved(((DnsResult.Unresolved) r).reason());
    }
  }

  private void notResolved(String reason) {
    a.s.fail(
        "direct", new DialException(DialException.Kind.NAME_NOT_RESOLVED, a.host + ": " + reason));
  }
}
