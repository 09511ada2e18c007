/**
 * The dashboard: the user's view of a running client, served by the HTTP door at {@code /} with its
 * JSON API under {@code /api/}. It reads the client's state through the public APIs of the rules,
 * the learned store, the relays and the prober, and hears of each connection through the routing
 * core's {@link io.sidestep.client.dial.ConnectionListener}. It answers only requests addressed to
 * the door by a loopback name, and a state-changing call only with the process's token from the
 * dashboard's own origin; its strings are in {@code dashboard/messages_*.properties}.
 */
package io.sidestep.client.dashboard;
