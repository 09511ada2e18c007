/**
 * The relay client, {@link io.sidestep.client.relay.RelayTransport}: TLS to a relay named by an
 * {@link io.sidestep.core.relay.AccessKey} (SNI with its host name, the certificate checked against
 * the key's pin or the JVM trust store), then either an HTTP/1.1 {@code CONNECT} with {@code
 * Proxy-Authorization: Basic} and a raw tunnel, or a DNS-over-HTTPS look-up. Several keys fail over
 * in order, and a relay that failed is skipped for a while, for tunnels and look-ups alike.
 */
package io.sidestep.client.relay;
