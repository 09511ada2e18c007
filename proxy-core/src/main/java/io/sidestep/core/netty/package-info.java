/**
 * Netty plumbing the client and the relay share: the options of connections that carry tunnels
 * ({@link io.sidestep.core.netty.TunnelOptions}), the splice that joins two of them, and the kind
 * of a failure read from its type ({@link io.sidestep.core.netty.Failures}).
 */
package io.sidestep.core.netty;
