/**
 * The Sidestep relay: {@link io.sidestep.server.Relay} starts one (an HTTPS forward proxy inside
 * TLS that shows strangers a decoy web site), {@link io.sidestep.server.Users} manages who may use
 * it, {@link io.sidestep.server.RelayCertificate} keeps its key and certificate, and {@link
 * io.sidestep.server.Resolver} lets tests replace its name resolution.
 */
package io.sidestep.server;
