/**
 * The relay's implementation: the Netty pipeline (TLS sniffing, request guard, HTTP codec, the
 * front handler that tells users from strangers and routes each request: decoy, DNS-over-HTTPS,
 * CONNECT or absolute-form forwarding), the decoy site, the destination policy and dialer,
 * byte-for-byte tunnels with backpressure, DNS-over-HTTPS answers, and the users file with its hot
 * reload. Nothing here is API: use {@link io.sidestep.server.Relay} and {@link
 * io.sidestep.server.Users}.
 */
package io.sidestep.server.internal;
