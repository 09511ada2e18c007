package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.netty.DialException;
import java.net.InetAddress;
import java.util.List;

/**
 * Step 2 of an {@link Attempt}: the direct connect. Under AUTO it has a short timeout, and a
 * failure a censor can cause is tried through the relay, whose success both confirms it and serves
 * the user.
 */
final class DirectConnect {

  private final Attempt a;

  DirectConnect(Attempt attempt) {
    this.a = attempt;
  }

  /** A DIRECT decision after DNS: connected and spliced, nothing watched. */
  void plain(List<InetAddress> addresses) {
    a.s
        .dialer()
        .connectDirect(a.loop, a.dest, addresses)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                a.s.splice((Channel) f.getNow(), "direct");
              } else {
                a.s.fail("direct", DialException.of(f.cause(), "direct to " + a.dest));
              }
            });
  }

  /** An AUTO decision: connected with the detection timeout, then the first flight read. */
  void watched(List<InetAddress> addresses) {
    long t = System.nanoTime();
    a.s
        .dialer()
        .connectDirect(a.loop, a.dest, addresses, a.d.settings().connectTimeout())
        .addListener(
            f -> {
              if (f.isSuccess()) {
                a.d.guard().success(a.host, a.d.clock().instant());
                new FirstFlightRead(a).connected((Channel) f.getNow());
                return;
              }
              DialException e = DialException.of(f.cause(), "direct to " + a.dest);
              ConnectFailure kind = Outcomes.connectFailure(e);
              if (kind == null) {
                a.s.fail("direct", e);
                return;
              }
              a.d.guard().failure(a.host, a.d.clock().instant());
              failed(DirectOutcome.connectFailed(kind, Attempt.elapsed(t)), e);
            });
  }

  private void failed(DirectOutcome out, DialException directError) {
    a.connectRelay()
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Judgement j = a.judge(out, RelayOutcome.succeeded("relay connect ok"));
                a.noteJudgement(j);
                a.s.splice((Channel) f.getNow(), "relay");
              } else {
                DialException e = DialException.of(f.cause(), "relay to " + a.dest);
                a.noteJudgement(a.judge(out, Outcomes.relayOutcome(e)));
                a.s.fail("direct", directError);
              }
            });
  }
}
