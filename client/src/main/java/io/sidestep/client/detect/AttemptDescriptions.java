package io.sidestep.client.detect;

import io.sidestep.core.detect.DirectOutcome;

/** Short texts for failures the user sees. */
final class AttemptDescriptions {
  private AttemptDescriptions() {}

  static String direct(DirectOutcome out) {
    if (out instanceof DirectOutcome.StreamFailed s) {
      return switch (s.failure()) {
        case RESET -> "direct: reset after the " + s.flight().describe();
        case EOF -> "direct: closed after the " + s.flight().describe();
        case SILENCE -> "direct: no answer to the " + s.flight().describe();
      };
    }
    return "direct failed";
  }
}
