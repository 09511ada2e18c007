package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.netty.DialException;
import java.util.Optional;

/**
 * Step 5 of an {@link Attempt}: a plain-HTTP GET or HEAD sent both ways, both answers held. A block
 * page (or a redirect to one) on the direct path is learned and the user gets the relay's answer
 * instead; otherwise the direct one. One instance serves one comparison.
 */
final class HttpComparison {

  private final Attempt a;
  private final Channel ch;
  private final KeptFlight kept;
  private final FirstFlight flight;
  private final long t = System.nanoTime();
  private ResponseCapture direct;
  private ResponseCapture relay;
  private Channel relayCh;
  private boolean relayDone;
  private boolean decided;

  HttpComparison(Attempt attempt, Channel ch, KeptFlight kept, FirstFlight flight) {
    this.a = attempt;
    this.ch = ch;
    this.kept = kept;
    this.flight = flight;
  }

  void run() {
    direct =
        new ResponseCapture(
            a.d.settings().firstReadTimeout(), Steps.HTTP_TOTAL, c -> a.loop.execute(this::ready));
    ch.pipeline().addLast(ResponseCapture.NAME, direct);
    Attempt.writeFirst(ch, kept.buf().retainedDuplicate()).addListener(w -> ch.read());
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                relayDone = true;
                a.s.note(
                    "relay for comparison: " + DialException.of(f.cause(), "relay").getMessage());
                ready();
                return;
              }
              Channel rc = (Channel) f.getNow();
              relayCh = rc;
              relay =
                  new ResponseCapture(
                      a.d.settings().relayAnswerTimeout(),
                      Steps.HTTP_TOTAL,
                      c -> {
                        relayDone = true;
                        a.loop.execute(this::ready);
                      });
              rc.pipeline().addLast(ResponseCapture.NAME, relay);
              Attempt.writeFirst(rc, kept.buf().retainedDuplicate()).addListener(w -> rc.read());
            });
  }

  /** Decides once both sides have reported. */
  private void ready() {
    if (direct == null || !direct.reported() || !relayDone) {
      return;
    }
    decide();
  }

  private void decide() {
    if (decided) {
      return;
    }
    decided = true;
    kept.drop();
    boolean relayAnswered = relay != null && relay.bytesRead() > 0;
    if (Steps.failedEarly(direct.failure(), direct.bytesRead())) {
      DirectOutcome out =
          a.steps.streamFailed(direct.failure(), direct.bytesRead(), flight, Steps.elapsed(t));
      a.noteJudgement(
          a.steps.judge(
              out,
              Steps.relayAnswer(flight, relay != null, relay == null ? 0 : relay.bytesRead())));
      if (relayAnswered) {
        direct.discard();
        deliver(relay, relayCh, "relay");
        return;
      }
      if (relay != null) {
        relay.discard();
      }
      if (direct.bytesRead() == 0) {
        direct.discard();
        a.s.fail("direct", new DialException(DialException.Kind.GENERAL, Steps.describe(out)));
        return;
      }
      // The relay did no better: the user gets what came direct, as far as it came.
      deliver(direct, ch, "direct");
      return;
    }
    Optional<ResponseSummary> ds = direct.summary();
    Optional<ResponseSummary> rs = relayAnswered ? relay.summary() : Optional.empty();
    if (ds.isEmpty() || rs.isEmpty()) {
      if (relay != null) {
        relay.discard();
      }
      deliver(direct, ch, "direct");
      return;
    }
    a.steps
        .compareHttp(a.loop, a.host, ds.get(), rs.get())
        .whenComplete((v, e) -> a.loop.execute(() -> compared(v)));
  }

  private void compared(HttpDiff.Verdict v) {
    if (v instanceof HttpDiff.Verdict.BlockPage b) {
      a.detected(b.evidence());
      direct.discard();
      deliver(relay, relayCh, "relay");
      return;
    }
    if (v instanceof HttpDiff.Verdict.Same) {
      a.d.verifiedHttp().remember(a.dest);
      a.d.directWorked(a.host);
    }
    relay.discard();
    ch.pipeline()
        .addLast(RateMeter.NAME, new RateMeter(tr -> new ThrottleSampling(a).measured(tr, flight)));
    deliver(direct, ch, "direct");
  }

  /** Gives the user the held answer of {@code c} and joins them to its channel. */
  private void deliver(ResponseCapture c, Channel to, String route) {
    if (!a.s.inbound().isActive()) {
      c.discard();
      a.s.fail(route, new DialException(DialException.Kind.GENERAL, "client left"));
      return;
    }
    c.deliverTo(a.s.inbound());
    a.s.splice(to, route);
  }
}
