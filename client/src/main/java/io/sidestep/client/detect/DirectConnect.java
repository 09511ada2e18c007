package io.sidestep.client.detect;

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

  /** An AUTO decision: the connect step ({@link Steps#connect}), then the first flight read. */
  void watched(List<InetAddress> addresses) {
    a.steps
        .connect(a.loop, a.s.dialer(), a.dest, addresses)
        .thenAccept(r -> a.loop.execute(() -> connected(r)));
  }

  private void connected(Steps.ConnectResult r) {
    if (r instanceof Steps.ConnectResult.Connected c) {
      a.connectTook = c.took();
      new FirstFlightRead(a).connected(c.channel());
    } else if (r instanceof Steps.ConnectResult.Judged j) {
      a.noteJudgement(j.judgement());
      if (j.relay() != null) {
        a.s.splice(j.relay(), "relay");
      } else {
        a.s.fail("direct", j.direct());
      }
    } else {
      a.s.fail("direct", ((Steps.ConnectResult.Failed) r).direct());
    }
  }
}
