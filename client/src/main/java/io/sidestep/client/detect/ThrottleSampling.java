package io.sidestep.client.detect;

import io.sidestep.client.relay.RelaySpeedSample;
import io.sidestep.core.detect.LiveThrottleJudge;
import io.sidestep.core.detect.ThrottleJudge.Transfer;
import java.util.Optional;

/**
 * Step 6 of an {@link Attempt}: throttling, measured on the user's own direct transfer by a {@link
 * RateMeter}, whatever its URL. Every transfer adds to the record of the line's speed; one that is
 * slow for a {@link RateMeter#WINDOW} while data still comes, or slow as a whole at its close, is
 * checked: the relay's speed sample is fetched and {@link LiveThrottleJudge} compares the three
 * rates. A throttle is learned, so the next connection goes through the relay; a check that shows
 * nothing lets the next wait ({@link io.sidestep.core.detect.CheckBackoff}).
 */
final class ThrottleSampling implements RateMeter.Listener {

  /**
   * A direct transfer slower than this is worth a check: 500 kB/s. Throttles hold sites to tens or
   * a few hundred kB/s; a check costs the relay a sample, so faster transfers are not checked.
   */
  static final double SUSPECT_RATE = 500_000;

  private final Attempt a;
  private boolean checked;

  ThrottleSampling(Attempt attempt) {
    this.a = attempt;
  }

  /** The meter for this attempt's direct channel. */
  RateMeter meter() {
    return new RateMeter(this, System::nanoTime);
  }

  @Override
  public void window(Transfer window) {
    if (window.bytesPerSecond() < SUSPECT_RATE) {
      suspect(window);
    }
  }

  @Override
  public void closed(Transfer whole) {
    a.d.lineRate().record(a.host, whole.bytesPerSecond());
    if (whole.bytesPerSecond() < SUSPECT_RATE) {
      suspect(whole);
    }
  }

  private void suspect(Transfer direct) {
    // One check per connection; while the host waits, the next window of this one asks again.
    if (checked || !a.d.throttleBackoff().tryStart(a.host)) {
      return;
    }
    checked = true;
    RelaySpeedSample.measure(
            a.s.dialer()::connectRelay,
            a.loop,
            RelaySpeedSample.DEFAULT_KIB,
            RelaySpeedSample.DEFAULT_TIMEOUT)
        .addListener(
            f ->
                judge(
                    direct,
                    f.isSuccess() ? Optional.of((Transfer) f.getNow()) : Optional.empty(),
                    f.isSuccess() ? "" : "; " + f.cause().getMessage()));
  }

  private void judge(Transfer direct, Optional<Transfer> relay, String failure) {
    LiveThrottleJudge.Verdict v =
        a.d.liveThrottleJudge().judge(direct, a.d.lineRate().excluding(a.host), relay);
    if (v instanceof LiveThrottleJudge.Verdict.Throttled t) {
      a.d.throttleBackoff().forget(a.host);
      a.d.lineRate().forget(a.host);
      a.detected(t.evidence());
      return;
    }
    a.d.throttleBackoff().inconclusive(a.host);
    a.d.slowSite(
        a.host,
        "throttling not shown: " + ((LiveThrottleJudge.Verdict.NotShown) v).reason() + failure);
  }
}
