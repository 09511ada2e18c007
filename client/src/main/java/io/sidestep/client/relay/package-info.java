/**
 * The relay client, {@link io.sidestep.client.relay.RelayTransport}: one long-lived HTTP/2
 * connection per relay named by an {@link io.sidestep.core.relay.AccessKey} (TLS with SNI carrying
 * its host name, the certificate checked against the key's pin or the JVM trust store, ALPN h2),
 * carrying every tunnel as a {@code CONNECT} stream with {@code proxy-authorization: Basic} and
 * every DNS-over-HTTPS look-up as a request stream. The connection is opened at start, kept with
 * PINGs and rotated after a random lifetime. Several keys fail over in order, and a relay that
 * failed is skipped for a while, for tunnels and look-ups alike.
 */
package io.sidestep.client.relay;
