package io.sidestep.client.dial;

/**
 * What the core does with a destination whose action is {@link io.sidestep.core.rules.Action#AUTO}
 * (no rule named it): the seam where interference detection plugs in. It is called on the inbound
 * channel's event loop, before the door has answered, with a {@link Session} that can resolve, dial
 * direct and through the relay, answer the door, hold and replay the user's first bytes, and
 * splice.
 *
 * <p>The default, {@link #DIRECT}, goes direct exactly as a DIRECT rule would.
 */
@FunctionalInterface
public interface AutoRoute {

  /** Takes over {@code session}; must end in {@link Session#splice} or {@link Session#fail}. */
  void handle(Session session);

  /** Direct, with IP rules applied after resolution: what AUTO means until detection exists. */
  AutoRoute DIRECT = Session::routeDirect;
}
