package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.netty.DialException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The direct path of an {@link Attempt} went silent after a replayable flight: the flight is
 * replayed through the relay while the direct connection stays open, and the two race. A site that
 * is slow for everyone answers direct before the relay does, or about when it does (within {@link
 * #margin}): the user gets the first answer and nothing is learned. Only a direct path that resets,
 * closes or stays silent well past the relay's answer is judged, as a silence or a failure after
 * the flight. One instance serves one race, on the attempt's event loop.
 */
final class SilenceRace {

  /** The least time the direct path gets after the relay answered: 1 s. */
  static final Duration MIN_MARGIN = Duration.ofSeconds(1);

  /** The share of the relay's answer time the direct path gets after it, when longer: 20 %. */
  static final double MARGIN_SHARE = 0.2;

  private final Attempt a;
  private final Channel direct;
  private final KeptFlight kept;
  private final FirstFlight flight;
  private final long sent;
  private FirstResponseWatch directWatch;
  private FirstResponseWatch relayWatch;
  private Channel relay;
  private long relayAnsweredAt;
  private StreamFailure directFailure;
  private RelayOutcome relayFailure;
  private boolean directServed;
  private boolean judged;
  private ScheduledFuture<?> marginTimer;

  /**
   * @param direct the silent direct channel, its watches removed
   * @param sent when the flight was written direct ({@link System#nanoTime})
   */
  SilenceRace(Attempt attempt, Channel direct, KeptFlight kept, FirstFlight flight, long sent) {
    this.a = attempt;
    this.direct = direct;
    this.kept = kept;
    this.flight = flight;
    this.sent = sent;
  }

  /**
   * How long the direct path may still answer after the relay did and count as a slow site: {@link
   * #MIN_MARGIN}, or {@link #MARGIN_SHARE} of the relay's answer time when that is longer.
   */
  static Duration margin(Duration relayAnswer) {
    Duration share = Duration.ofNanos((long) (relayAnswer.toNanos() * MARGIN_SHARE));
    return share.compareTo(MIN_MARGIN) > 0 ? share : MIN_MARGIN;
  }

  void start() {
    a.s.note("direct silent " + Steps.elapsed(sent).toMillis() + " ms; racing the relay");
    directWatch =
        new FirstResponseWatch(
            a.d.settings().relayAnswerTimeout(),
            new FirstResponseWatch.Listener() {
              @Override
              public void answered() {
                directAnswered();
              }

              @Override
              public void failed(StreamFailure failure, String detail) {
                directFailed(failure);
              }
            });
    direct.pipeline().addLast(FirstResponseWatch.NAME, directWatch);
    direct.read();
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                relayFailed(
                    Outcomes.relayOutcome(DialException.of(f.cause(), "relay to " + a.dest)));
                return;
              }
              relay = (Channel) f.getNow();
              if (directServed) {
                relay.close();
                return;
              }
              relayWatch =
                  new FirstResponseWatch(
                      a.d.settings().relayAnswerTimeout(),
                      new FirstResponseWatch.Listener() {
                        @Override
                        public void answered() {
                          relayAnswered();
                        }

                        @Override
                        public void failed(StreamFailure failure, String detail) {
                          relayFailed(RelayOutcome.failed("relay: " + detail));
                        }
                      });
              relay.pipeline().addLast(FirstResponseWatch.NAME, relayWatch);
              Attempt.writeFirst(relay, kept.buf().retainedDuplicate())
                  .addListener(w -> relay.read());
            });
  }

  private void directAnswered() {
    if (relayAnsweredAt == 0) {
      // First: a slow site. The user gets the direct answer; the relay's is not needed.
      directServed = true;
      if (relay != null) {
        relay.close();
      }
      kept.drop();
      a.s.note(
          "slow site: direct answered after "
              + Steps.elapsed(sent).toMillis()
              + " ms, before the relay; nothing learned");
      directWatch.handOver();
      a.d.directWorked(a.host);
      a.s.splice(direct, "direct");
      return;
    }
    direct.close();
    if (!judged) {
      judged = true;
      marginTimer.cancel(false);
      String text =
          "slow site: direct answered "
              + Steps.elapsed(relayAnsweredAt).toMillis()
              + " ms after the relay; nothing learned";
      // The user's connection may have ended with the relay's answer, and its log line with it.
      a.s.note(text);
      a.d.slowSite(a.host, text);
    }
  }

  private void directFailed(StreamFailure failure) {
    direct.close();
    if (directServed) {
      return;
    }
    directFailure = failure;
    if (relayAnsweredAt != 0) {
      judgeCensored();
    } else if (relayFailure != null) {
      bothFailed();
    }
  }

  private void relayAnswered() {
    if (directServed) {
      return;
    }
    relayAnsweredAt = System.nanoTime();
    kept.drop();
    relayWatch.handOver();
    a.s.splice(relay, "relay");
    if (directFailure != null) {
      judgeCensored();
      return;
    }
    Duration m = margin(Duration.ofNanos(relayAnsweredAt - sent));
    marginTimer = a.loop.schedule(this::stillSilent, m.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void stillSilent() {
    if (!judged) {
      direct.close();
      judgeCensored();
    }
  }

  private void relayFailed(RelayOutcome why) {
    if (relay != null) {
      relay.close();
    }
    if (directServed) {
      return;
    }
    relayFailure = why;
    if (directFailure != null) {
      bothFailed();
    }
    // Otherwise the direct path may still answer: a slow site whose relay path failed.
  }

  /** The relay answered and the direct path failed or stayed silent past the margin. */
  private void judgeCensored() {
    if (judged) {
      return;
    }
    judged = true;
    StreamFailure f = directFailure == null ? StreamFailure.SILENCE : directFailure;
    DirectOutcome out = a.steps.streamFailed(f, 0, flight, Steps.elapsed(sent));
    a.noteJudgement(a.steps.judge(out, RelayOutcome.succeeded(Steps.relaySays(flight))));
  }

  private void bothFailed() {
    if (judged) {
      return;
    }
    judged = true;
    kept.drop();
    DirectOutcome out = a.steps.streamFailed(directFailure, 0, flight, Steps.elapsed(sent));
    a.noteJudgement(a.steps.judge(out, relayFailure));
    a.s.fail("direct", new DialException(DialException.Kind.GENERAL, Steps.describe(out)));
  }
}
