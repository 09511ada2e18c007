/**
 * The Sidestep relay: {@link io.sidestep.server.Relay} starts one (an HTTPS forward proxy inside
 * TLS that shows strangers a decoy web site), {@link io.sidestep.server.Users} manages who may use
 * it, and {@link io.sidestep.server.RelayCertificate} keeps its key and certificate. Its name
 * resolution is a {@link io.sidestep.core.net.Resolver}, which tests replace.
 */
package io.sidestep.server;
