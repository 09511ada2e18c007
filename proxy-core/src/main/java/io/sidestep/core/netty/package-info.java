/**
 * Netty settings the client and the relay share for the connections that carry tunnels, so that
 * both ends of the relay link move bytes the same way ({@link
 * io.sidestep.core.netty.TunnelOptions}).
 */
package io.sidestep.core.netty;
