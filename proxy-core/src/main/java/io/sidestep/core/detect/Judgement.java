package io.sidestep.core.detect;

/** What to do after a direct attempt and its control through the relay. */
public sealed interface Judgement {

  /** A censor interferes: detour through the relay and learn the host with this evidence. */
  record Censored(Evidence evidence) implements Judgement {}

  /**
   * Not censorship that can be shown: the site is down everywhere, the relay is unreachable ({@code
   * relayDown}), or the local network is down. Learn nothing; report the failure.
   */
  record Outage(String reason, boolean relayDown) implements Judgement {}

  /** The direct path works, or its failure is not the kind a censor causes. Learn nothing. */
  record Ok(String note) implements Judgement {}

  default boolean learn() {
    return this instanceof Censored;
  }
}
