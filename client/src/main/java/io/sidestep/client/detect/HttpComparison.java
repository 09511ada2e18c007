package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.detect.SuspectAnswer;
import io.sidestep.core.netty.DialException;
import java.time.Duration;
import java.util.Optional;

/**
 * Step 5 of an {@link Attempt}: a plain-HTTP GET or HEAD sent direct, its answer held until whole.
 * An answer that could not be a censor's ({@link SuspectAnswer}) goes to the user and the relay
 * never sees the request; one that matches a block-page fingerprint is learned without asking the
 * relay; a suspect one, or a failure, is compared with the relay's answer to the same request
 * (unless the settings say {@link DetectionSettings.Compare#NEVER}). A block page (or a redirect to
 * one) is learned and the user gets the relay's answer instead. One instance serves one request.
 */
final class HttpComparison {

  private final Attempt a;
  private final Channel ch;
  private final KeptFlight kept;
  private final FirstFlight flight;
  private final long t = System.nanoTime();
  private Duration directTook;
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
            a.d.settings().firstReadTimeout(),
            Steps.HTTP_TOTAL,
            c -> a.loop.execute(this::directDone));
    ch.pipeline().addLast(ResponseCapture.NAME, direct);
    Attempt.writeFirst(ch, kept.buf().retainedDuplicate()).addListener(w -> ch.read());
  }

  /** The direct answer is whole (or will not be): judge it before anyone else sees the request. */
  private void directDone() {
    directTook = Steps.elapsed(t);
    if (direct.failure() == StreamFailure.SILENCE && direct.holdsNothing()) {
      // Maybe only a slow site: the relay races the still-open direct connection.
      ch.pipeline().remove(direct);
      new SilenceRace(a, ch, kept, flight, t).start();
      return;
    }
    if (Steps.failedEarly(direct.failure(), direct.bytesRead())) {
      askRelay();
      return;
    }
    Optional<ResponseSummary> ds = direct.summary();
    if (ds.isEmpty()) {
      kept.drop();
      deliver(direct, ch, "direct");
      return;
    }
    Duration firstByte = Duration.ofNanos(direct.firstByteAt() - t);
    SuspectAnswer.Verdict v = a.steps.suspect(a.host, ds.get(), a.connectTook, firstByte);
    if (v instanceof SuspectAnswer.Verdict.BlockPage b) {
      a.detected(b.evidence());
      relayInstead();
    } else if (v instanceof SuspectAnswer.Verdict.Suspect s) {
      if (a.d.settings().compare() == DetectionSettings.Compare.NEVER) {
        kept.drop();
        a.s.note("suspect, not checked (--compare never): " + s.reason());
        direct.rewrite(UncheckedNote::inject);
        deliver(direct, ch, "direct");
        return;
      }
      a.s.note("suspect, compared with the relay: " + s.reason());
      askRelay();
    } else {
      kept.drop();
      a.d.verifiedHttp().remember(a.dest);
      a.d.directWorked(a.host);
      measured();
      deliver(direct, ch, "direct");
    }
  }

  /** A fingerprinted block page: the relay's answer if it has one, else the page as it came. */
  private void relayInstead() {
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                kept.drop();
                a.s.note("relay: " + DialException.of(f.cause(), "relay").getMessage());
                deliver(direct, ch, "direct");
                return;
              }
              direct.discard();
              a.s.splice((Channel) f.getNow(), "relay", kept.take());
            });
  }

  /** The same request through the relay, as the control. */
  private void askRelay() {
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                relayDone = true;
                a.s.note(
                    "relay for comparison: " + DialException.of(f.cause(), "relay").getMessage());
                decide();
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
                        a.loop.execute(this::decide);
                      });
              rc.pipeline().addLast(ResponseCapture.NAME, relay);
              Attempt.writeFirst(rc, kept.buf().retainedDuplicate()).addListener(w -> rc.read());
            });
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
          a.steps.streamFailed(direct.failure(), direct.bytesRead(), flight, directTook);
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
    measured();
    deliver(direct, ch, "direct");
  }

  private void measured() {
    ch.pipeline().addLast(RateMeter.NAME, new ThrottleSampling(a).meter());
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
