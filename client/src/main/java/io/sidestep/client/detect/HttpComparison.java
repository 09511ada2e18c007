package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.netty.DialException;
import java.time.Duration;
import java.util.Optional;

/**
 * Step 5 of an {@link Attempt}: a plain-HTTP GET or HEAD sent both ways, both answers held. A block
 * page (or a redirect to one) on the direct path is learned and the user gets the relay's answer
 * instead; otherwise the direct one. One instance serves one comparison.
 */
final class HttpComparison {

  /** How long a compared response may take to be whole: 5 s. */
  static final Duration COMPARE_TOTAL = Duration.ofSeconds(5);

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
            a.d.settings().firstReadTimeout(), COMPARE_TOTAL, c -> a.loop.execute(this::ready));
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
                      COMPARE_TOTAL,
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
    if (direct.bytesRead() == 0 && direct.failure() != null) {
      DirectOutcome out = a.streamFailed(direct.failure(), 0, flight, Attempt.elapsed(t));
      a.noteJudgement(
          a.judge(
              out,
              relayAnswered
                  ? RelayOutcome.succeeded(Attempt.relaySays(flight))
                  : RelayOutcome.failed(
                      relay == null ? "relay unavailable" : "relay gave no answer")));
      direct.discard();
      if (relayAnswered) {
        deliver(relay, relayCh, "relay");
      } else {
        if (relay != null) {
          relay.discard();
        }
        a.s.fail(
            "direct",
            new DialException(DialException.Kind.GENERAL, AttemptDescriptions.direct(out)));
      }
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
    Optional<String> confirm = HttpDiff.redirectHostToConfirm(a.host, ds.get(), rs.get());
    if (confirm.isEmpty()) {
      compared(ds.get(), rs.get(), HttpDiff.RedirectCheck.UNCHECKED);
      return;
    }
    a.d
        .relayDns()
        .lookup(a.loop, confirm.get())
        .whenComplete(
            (l, e) ->
                a.loop.execute(
                    () ->
                        compared(
                            ds.get(),
                            rs.get(),
                            l == null || l instanceof Lookup.Failed
                                ? HttpDiff.RedirectCheck.UNCHECKED
                                : l.list().isEmpty()
                                    ? HttpDiff.RedirectCheck.NOT_CONFIRMED
                                    : HttpDiff.RedirectCheck.CONFIRMED)));
  }

  private void compared(ResponseSummary ds, ResponseSummary rs, HttpDiff.RedirectCheck check) {
    HttpDiff.Verdict v = a.d.httpDiff().compare(a.host, ds, rs, check);
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
