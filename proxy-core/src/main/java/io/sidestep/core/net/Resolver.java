package io.sidestep.core.net;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Resolves host names, for the client's direct traffic and for the destinations the relay reaches.
 * In the client, a name routed to a relay is resolved by the relay and never reaches a {@code
 * Resolver}.
 *
 * <p>Implementations never block the caller and complete on a thread of their own; callers hop back
 * to their event loop. The interface has no Netty types so that detection can wrap it (to check
 * answers against bogons) and tests can fake it (to count look-ups).
 */
public interface Resolver {

  /**
   * Looks up {@code host}, a host name (never an IP literal). Completes with at least one address,
   * or exceptionally with an {@link java.net.UnknownHostException} naming the host (a {@link
   * NameLookupException} when the resolver knows why).
   */
  CompletableFuture<List<InetAddress>> resolve(String host);

  /** Releases threads or sockets the resolver holds. */
  default void close() {}
}
