package io.sidestep.client.dial;

import io.netty.channel.Channel;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Router;
import java.util.Objects;

/**
 * The routing core: every connection from either door comes here as a {@link Destination}, is
 * decided by the {@link Router} and dispatched. DIRECT resolves with the direct resolver and
 * connects ({@link Session#resolved}, where the router decides again with the addresses); RELAY
 * sends the name to a relay and never resolves it locally; NEVER-DIRECT does the same and, with no
 * relay usable, fails rather than try anything direct; REJECT refuses; AUTO goes to the {@link
 * AutoRoute} (direct until detection plugs in). No door and no detection step decides a route of
 * its own.
 */
public final class Dispatcher {

  private final Router router;
  private final Dialer dialer;
  private final AutoRoute auto;
  private volatile ConnectionListener listener = ConnectionListener.NONE;
  private volatile boolean fastOpen = true;

  public Dispatcher(Router router, Dialer dialer, AutoRoute auto) {
    this.router = Objects.requireNonNull(router, "router");
    this.dialer = Objects.requireNonNull(dialer, "dialer");
    this.auto = Objects.requireNonNull(auto, "auto");
  }

  /** Tells {@code listener} about every connection when it ends (replacing any before). */
  public void onConnection(ConnectionListener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /**
   * Whether relayed tunnels open fast (on by default): a door that can ({@link
   * DoorReply#answersEarly}) is answered at once and the user's first bytes go right behind the
   * relay's CONNECT ({@link EarlyData}). Off, the door answers when the relay has.
   */
  public void fastOpen(boolean on) {
    this.fastOpen = on;
  }

  public Dialer dialer() {
    return dialer;
  }

  /**
   * Routes one connection. Call on {@code inbound}'s event loop with {@code AUTO_READ} off on it
   * and the door's codec still in place, so that {@code reply} can answer.
   */
  public void dispatch(Channel inbound, Destination destination, String door, DoorReply reply) {
    Decision decision;
    try {
      decision = Objects.requireNonNull(router.decide(destination), "decision");
    } catch (RuntimeException e) {
      Session s = new Session(router, dialer, inbound, destination, door, reply, null, listener);
      s.fail("none", new DialException(DialException.Kind.GENERAL, "router failed: " + e, e));
      return;
    }
    Session session =
        new Session(router, dialer, inbound, destination, door, reply, decision, listener);
    session.fastOpen = fastOpen;
    switch (decision.action()) {
      case REJECT -> session.reject();
      case RELAY, NEVER_DIRECT -> session.routeRelay();
      case DIRECT -> session.routeDirect();
      case AUTO -> {
        try {
          auto.handle(session);
        } catch (RuntimeException e) {
          session.fail(
              "auto", new DialException(DialException.Kind.GENERAL, "detection failed: " + e, e));
        }
      }
    }
  }
}
