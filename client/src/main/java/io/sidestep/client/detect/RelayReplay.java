package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.netty.DialException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The kept flight of an {@link Attempt} through the relay: replayed for the user after a direct
 * failure (the relay's first byte is the control that confirms it), or sent as a control of our own
 * after a late reset. POST and PATCH are never replayed.
 */
final class RelayReplay {

  private final Attempt a;

  RelayReplay(Attempt attempt) {
    this.a = attempt;
  }

  /** The direct path failed before answering: replay through the relay (or fail, for POST). */
  void afterStreamFailure(DirectOutcome out, KeptFlight kept, FirstFlight flight) {
    if (!flight.replayable()) {
      // Never replay POST or PATCH: check with the relay that it connects, learn, fail this one.
      a.connectRelay()
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ((Channel) f.getNow()).close();
                  a.noteJudgement(a.steps.judge(out, RelayOutcome.succeeded("relay connect ok")));
                } else {
                  a.noteJudgement(
                      a.steps.judge(
                          out, Outcomes.relayOutcome(DialException.of(f.cause(), "relay"))));
                }
                kept.drop();
                a.s.fail(
                    "direct",
                    new DialException(
                        DialException.Kind.GENERAL,
                        Steps.describe(out)
                            + "; "
                            + flight.describe()
                            + " not replayed (not idempotent)"));
              });
      return;
    }
    replay(kept, flight, out);
  }

  /**
   * Replays the flight through the relay and splices the user to it. With {@code out} (a direct
   * failure still to be judged) the relay's first byte is the control that confirms it.
   */
  void replay(KeptFlight kept, FirstFlight flight, DirectOutcome out) {
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                DialException e = DialException.of(f.cause(), "relay to " + a.dest);
                if (out != null) {
                  a.noteJudgement(a.steps.judge(out, Outcomes.relayOutcome(e)));
                }
                kept.drop();
                a.s.fail("relay", e);
                return;
              }
              Channel relay = (Channel) f.getNow();
              if (out != null) {
                watchAnswer(
                    relay, false, flight, outcome -> a.noteJudgement(a.steps.judge(out, outcome)));
              }
              a.s.splice(relay, "relay", kept.take());
            });
  }

  /** A reset after the first bytes, within the counted 4 KiB: learn it if the relay does better. */
  void lateReset(long bytesRead, KeptFlight kept, FirstFlight flight, Duration took) {
    DirectOutcome out = a.steps.streamFailed(StreamFailure.RESET, bytesRead, flight, took);
    if (!flight.replayable()) {
      kept.drop();
      return;
    }
    // A control of our own: the same flight through the relay, answered or not.
    KeptFlight mine = new KeptFlight(kept.take());
    if (mine.buf() == null) {
      return;
    }
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                mine.drop();
                return;
              }
              Channel relay = (Channel) f.getNow();
              watchAnswer(
                  relay,
                  true,
                  flight,
                  outcome -> {
                    if (outcome instanceof RelayOutcome.Succeeded
                        && a.steps.judge(out, outcome) instanceof Judgement.Censored c) {
                      a.d.learn(a.host, c.evidence());
                    }
                  });
              Attempt.writeFirst(relay, mine.take()).addListener(w -> relay.read());
            });
  }

  /**
   * Puts a {@link RelayAnswerWatch} on {@code relay} that reports the control's outcome: the relay
   * answered the flight, or it failed (and why).
   */
  private void watchAnswer(
      Channel relay, boolean control, FirstFlight flight, Consumer<RelayOutcome> then) {
    relay
        .pipeline()
        .addLast(
            RelayAnswerWatch.NAME,
            new RelayAnswerWatch(
                a.d.settings().relayAnswerTimeout(),
                control,
                new RelayAnswerWatch.Listener() {
                  @Override
                  public void answered(int firstBytes) {
                    then.accept(RelayOutcome.succeeded(Steps.relaySays(flight)));
                  }

                  @Override
                  public void failed(String why) {
                    then.accept(RelayOutcome.failed(why));
                  }
                }));
  }
}
