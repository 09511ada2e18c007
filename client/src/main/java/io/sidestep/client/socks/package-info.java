/**
 * The SOCKS5 door (RFC 1928, with RFC 1929 user/password authentication): it reads the handshake
 * with Netty's codec, turns a CONNECT into a {@link io.sidestep.core.route.Destination} for the
 * routing core and answers with the reply code the core's outcome calls for. The HTTP door's plain
 * HTTP reaches the core through an internal instance of it.
 */
package io.sidestep.client.socks;
