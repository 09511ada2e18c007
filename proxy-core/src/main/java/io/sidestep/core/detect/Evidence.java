package io.sidestep.core.detect;

import io.sidestep.core.rules.LearnedEntry;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Why detection thinks a censor interferes with a host: the technique, a short human sentence
 * saying what the direct path and the relay each saw (e.g. {@code reset after ClientHello, 0 bytes
 * read; relay handshake ok}), and when. The text is kept on one line and free of the learned
 * blocklist's comment mark ({@link #sanitise}).
 */
public record Evidence(Technique technique, String text, Instant time) {

  /** Longest evidence text kept; longer text is cut with an ellipsis. */
  public static final int MAX_TEXT = 300;

  public Evidence {
    Objects.requireNonNull(technique, "technique");
    Objects.requireNonNull(time, "time");
    text = sanitise(text);
  }

  public static Evidence of(Technique technique, String text, Clock clock) {
    return new Evidence(technique, text, clock.instant());
  }

  /** {@code technique=8 tls-silence; evidence=TEXT}: the form used in log lines. */
  public String summary() {
    return "technique=" + technique.label() + "; evidence=" + text;
  }

  /**
   * Makes text safe for one line of the learned blocklist: control characters and line breaks
   * become spaces, {@code #} (the comment mark) becomes {@code no.}, runs of spaces collapse, and
   * the result is cut at {@link #MAX_TEXT} characters.
   */
  public static String sanitise(String text) {
    String s = text == null ? "" : LearnedEntry.oneLine(text);
    return s.length() > MAX_TEXT ? s.substring(0, MAX_TEXT - 1).strip() + "…" : s;
  }

  @Override
  public String toString() {
    return summary();
  }
}
