package io.sidestep.core.detect;

/** How the same step went through the relay: the control measurement. */
public sealed interface RelayOutcome {

  /** The relay did the step (e.g. {@code relay handshake ok}, {@code relay connect ok}). */
  record Succeeded(String what) implements RelayOutcome {}

  /** The relay was reached but the step failed there too (the origin is down or refuses). */
  record Failed(String reason) implements RelayOutcome {}

  /**
   * The relay itself could not be reached (technique 13, or the network is down): nothing can be
   * said about the site.
   */
  record Unreachable(String reason) implements RelayOutcome {}

  static RelayOutcome succeeded(String what) {
    return new Succeeded(what);
  }

  static RelayOutcome failed(String reason) {
    return new Failed(reason);
  }

  static RelayOutcome unreachable(String reason) {
    return new Unreachable(reason);
  }
}
