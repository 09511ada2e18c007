package io.sidestep.core.detect;

import java.time.Clock;
import java.util.Objects;

/**
 * Judges a direct attempt against the relay's outcome for the same step (techniques 5–9).
 *
 * <p>A failure counts as censorship only when the relay succeeds at the same step. A failure after
 * the first server bytes counts only within the first {@value #COUNTED_BYTES} bytes read (Lantern's
 * rule): a censor strikes at the handshake or the request, not in the middle of a download. When
 * the {@link OutageGuard} says the local network is down, no site is blamed. Stream failures are
 * judged only after a ClientHello or an HTTP request, the flights techniques 7–9 strike at.
 */
public final class AttemptJudge {

  /** A stream failure after more than this many bytes read is not counted: 4096. */
  public static final long COUNTED_BYTES = 4096;

  private final Clock clock;

  public AttemptJudge(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Judges {@code direct} against {@code relay}. {@code networkDown} comes from {@link
   * OutageGuard#networkDown}.
   */
  public Judgement judge(DirectOutcome direct, RelayOutcome relay, boolean networkDown) {
    if (direct instanceof DirectOutcome.Working w) {
      return new Judgement.Ok("direct works, " + w.bytesRead() + " bytes read");
    }
    if (direct instanceof DirectOutcome.StreamFailed s && s.bytesRead() > COUNTED_BYTES) {
      return new Judgement.Ok(
          "failure after "
              + s.bytesRead()
              + " bytes read is past the first "
              + COUNTED_BYTES
              + " and not counted");
    }
    if (direct instanceof DirectOutcome.StreamFailed s
        && !(s.flight() instanceof FirstFlight.ClientHello)
        && !(s.flight() instanceof FirstFlight.HttpRequest)) {
      // Techniques 7-9 strike at a ClientHello or an HTTP request; other protocols are not judged.
      return new Judgement.Ok(describe(direct) + "; neither TLS nor HTTP, not judged");
    }
    String directSays = describe(direct);
    if (relay instanceof RelayOutcome.Unreachable u) {
      return new Judgement.Outage(directSays + "; relay unreachable (" + u.reason() + ")", true);
    }
    if (relay instanceof RelayOutcome.Failed f) {
      return new Judgement.Outage(directSays + "; relay failed too (" + f.reason() + ")", false);
    }
    if (networkDown) {
      return new Judgement.Outage(directSays + "; every direct destination is failing", false);
    }
    String relaySays = ((RelayOutcome.Succeeded) relay).what();
    return new Judgement.Censored(
        Evidence.of(technique(direct), directSays + "; " + relaySays, clock));
  }

  /** The technique a failed direct attempt points at. */
  static Technique technique(DirectOutcome direct) {
    if (direct instanceof DirectOutcome.ConnectFailed c) {
      return c.failure() == DirectOutcome.ConnectFailure.TIMEOUT
          ? Technique.TCP_TIMEOUT
          : Technique.TCP_REFUSED;
    }
    DirectOutcome.StreamFailed s = (DirectOutcome.StreamFailed) direct;
    if (s.flight() instanceof FirstFlight.HttpRequest) {
      return Technique.HTTP_RESET;
    }
    return s.failure() == DirectOutcome.StreamFailure.SILENCE
        ? Technique.TLS_SILENCE
        : Technique.TLS_RESET;
  }

  /**
   * Evidence text for the direct side, e.g. {@code reset after ClientHello, 0 bytes read} or {@code
   * no byte 3000 ms after ClientHello}.
   */
  static String describe(DirectOutcome direct) {
    if (direct instanceof DirectOutcome.ConnectFailed c) {
      return switch (c.failure()) {
        case TIMEOUT -> "connect timed out after " + c.after().toMillis() + " ms";
        case REFUSED -> "connect refused";
        case UNREACHABLE -> "connect unreachable";
      };
    }
    if (direct instanceof DirectOutcome.StreamFailed s) {
      String flight = s.flight().describe();
      return switch (s.failure()) {
        case RESET -> "reset after " + flight + ", " + s.bytesRead() + " bytes read";
        case EOF -> "EOF after " + flight + ", " + s.bytesRead() + " bytes read";
        case SILENCE ->
            s.bytesRead() == 0
                ? "no byte " + s.after().toMillis() + " ms after " + flight
                : "silence after " + flight + ", " + s.bytesRead() + " bytes read";
      };
    }
    return "direct works";
  }
}
