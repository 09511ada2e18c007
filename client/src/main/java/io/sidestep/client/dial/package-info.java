/**
 * The client's routing core: every connection from either door becomes a {@link
 * io.sidestep.core.route.Destination}, is decided by the {@link io.sidestep.core.rules.Router} and
 * dispatched by {@link io.sidestep.client.dial.Dispatcher} to a direct connection, a relay tunnel
 * or a refusal. {@link io.sidestep.client.dial.Dialer} opens raw byte-stream channels, {@link
 * io.sidestep.core.net.Resolver} resolves names for direct traffic only, {@link
 * io.sidestep.client.dial.AutoRoute} is where interference detection plugs in, and {@link
 * io.sidestep.client.dial.Session} is one connection's handle for it.
 */
package io.sidestep.client.dial;
