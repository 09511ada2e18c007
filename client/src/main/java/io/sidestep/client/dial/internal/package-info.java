/**
 * How the routing core's connections are made, not part of its API: {@code DefaultDialer} (direct
 * TCP on the caller's event loop, relay tunnels through a {@link
 * io.sidestep.client.dial.RelayConnector}) and {@code DnsServerResolver} (the {@code --dns}
 * resolver for direct traffic).
 */
package io.sidestep.client.dial.internal;
