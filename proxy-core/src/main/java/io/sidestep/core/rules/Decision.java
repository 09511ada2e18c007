package io.sidestep.core.rules;

/**
 * A routing decision and what made it, safe to log: a rule's {@code FILE:LINE: TEXT}, a learned
 * entry with its evidence, or {@code no rule: detection decides}.
 */
public record Decision(Action action, String reason) {

  public static Decision auto() {
    return new Decision(Action.AUTO, "no rule: detection decides");
  }
}
