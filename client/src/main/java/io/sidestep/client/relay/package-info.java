/**
 * The relay transport: TLS to a relay named by an {@link io.sidestep.core.relay.AccessKey} (SNI
 * with its host name, the certificate checked against the key's pin or the JVM trust store), an
 * HTTP/1.1 {@code CONNECT} with {@code Proxy-Authorization: Basic}, then a raw tunnel. Several keys
 * fail over in order, and a relay that failed is skipped for a while.
 */
package io.sidestep.client.relay;
