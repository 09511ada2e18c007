package io.sidestep.core.rules;

/**
 * Where a connection goes and why: the {@link Router}'s one answer, which the connection's log
 * line, the HTTP door's error page and {@code explain} all show. {@code reason} is safe to log: a
 * rule's {@code FILE:LINE: TEXT}, a learned entry with its evidence, or {@code no rule: detection
 * decides}.
 */
public record Decision(Action action, String reason) {

  public static Decision auto() {
    return new Decision(Action.AUTO, "no rule: detection decides");
  }

  /** What no rule gives under {@code --never-direct}. */
  public static Decision neverDirect() {
    return new Decision(Action.NEVER_DIRECT, "no rule: --never-direct, only through a relay");
  }
}
