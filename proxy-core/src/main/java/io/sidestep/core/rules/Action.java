package io.sidestep.core.rules;

/** What a rule tells the client to do with a destination. */
public enum Action {
  /** Connect straight to the destination. */
  DIRECT,
  /** Go through a relay; the relay resolves the name. */
  RELAY,
  /** Refuse the connection. */
  REJECT,
  /** Let detection decide: direct under watch, relay on interference. What no rule gives. */
  AUTO,
  /**
   * Only through a relay, like RELAY, and never tried direct: no direct connection and no local
   * look-up of the name, even when no relay can be used (the connection then fails). For users who
   * must not be seen trying a site at all. Written {@code NEVER-DIRECT}.
   */
  NEVER_DIRECT;

  /** The action as a rules file writes it: {@code NEVER-DIRECT}, {@code RELAY}, ... */
  @Override
  public String toString() {
    return name().replace('_', '-');
  }
}
