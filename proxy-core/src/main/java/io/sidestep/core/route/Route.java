package io.sidestep.core.route;

/**
 * What the router decided for one connection. {@code reason} says what decided it (a rule's file,
 * line and text, a learned entry, or detection) and is safe to log.
 */
public sealed interface Route {

  String reason();

  /** Connect straight to the destination. */
  record Direct(String reason) implements Route {}

  /** Connect through a relay; the relay resolves the name. */
  record Relay(String reason) implements Route {}

  /** Refuse the connection. */
  record Reject(String reason) implements Route {}

  /** Try direct under watch and detour through the relay on interference. */
  record Auto(String reason) implements Route {}

  static Route direct(String reason) {
    return new Direct(reason);
  }

  static Route relay(String reason) {
    return new Relay(reason);
  }

  static Route reject(String reason) {
    return new Reject(reason);
  }

  static Route auto(String reason) {
    return new Auto(reason);
  }

  /** A short lower-case name for log lines: direct, relay, reject, auto. */
  default String kind() {
    return getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
