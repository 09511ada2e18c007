package io.sidestep.client.detect;

import io.sidestep.core.detect.DnsVerdict;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.netty.DialException;

/**
 * Step 1 of an {@link Attempt}: the local DNS answer, checked against the relay's when it looks
 * like a censor's. A tampered answer is learned and the connection goes through the relay.
 */
final class DnsCheck {

  private final Attempt a;

  DnsCheck(Attempt attempt) {
    this.a = attempt;
  }

  void run() {
    a.s
        .dialer()
        .resolveDirect(a.dest)
        .whenComplete(
            (addresses, error) ->
                a.loop.execute(
                    () ->
                        resolved(
                            error == null ? Lookup.addresses(addresses) : Outcomes.lookup(error))));
  }

  private void resolved(Lookup local) {
    if (!a.d.dns().suspicious(local)) {
      a.afterDns(local.list());
      return;
    }
    a.d
        .relayDns()
        .lookup(a.loop, a.host)
        .whenComplete(
            (relay, error) ->
                a.loop.execute(
                    () ->
                        judged(
                            local,
                            error != null
                                ? Lookup.failed(String.valueOf(error.getMessage()))
                                : relay)));
  }

  private void judged(Lookup local, Lookup relay) {
    DnsVerdict v = a.d.dns().judge(a.host, local, relay);
    if (v instanceof DnsVerdict.Tampered t) {
      a.detected(t.evidence());
      a.s.routeRelay();
    } else if (v instanceof DnsVerdict.Consistent c) {
      if (!c.note().isEmpty()) {
        a.s.note("dns: " + c.note());
      }
      a.afterDns(c.addresses());
    } else if (v instanceof DnsVerdict.NotFound n) {
      notResolved(n.reason());
    } else {
      DnsVerdict.Unknown u = (DnsVerdict.Unknown) v;
      if (u.relayResolves()) {
        a.s.note("dns: " + u.reason() + "; through the relay this time, nothing learned");
        a.s.routeRelay();
      } else if (!local.list().isEmpty()) {
        a.s.note("dns: " + u.reason());
        a.afterDns(local.list());
      } else {
        notResolved(u.reason());
      }
    }
  }

  private void notResolved(String reason) {
    a.s.fail(
        "direct", new DialException(DialException.Kind.NAME_NOT_RESOLVED, a.host + ": " + reason));
  }
}
