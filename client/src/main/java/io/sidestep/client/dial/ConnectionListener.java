package io.sidestep.client.dial;

import io.sidestep.core.route.Destination;
import java.time.Instant;

/**
 * Told about each connection when it ends, with what its INFO log line says (the dashboard's live
 * view and traffic counts). Called on the connection's event loop: return quickly, never block.
 */
@FunctionalInterface
public interface ConnectionListener {

  void ended(Ended connection);

  /** Ignores every connection. */
  ConnectionListener NONE = c -> {};

  /**
   * One finished connection.
   *
   * @param route {@code direct}, {@code relay}, {@code reject}, or {@code none}
   * @param reason the decision's reason (a rule, a learned entry, detection)
   * @param via the path taken when it says more than the route (which relay), else empty
   * @param result {@code closed} or {@code failed: …}
   * @param notes what detection saw on this connection, else empty
   */
  record Ended(
      Instant at,
      String door,
      Destination destination,
      String route,
      String reason,
      String via,
      long up,
      long down,
      long millis,
      String result,
      String notes) {}
}
