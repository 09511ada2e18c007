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
  AUTO
}
