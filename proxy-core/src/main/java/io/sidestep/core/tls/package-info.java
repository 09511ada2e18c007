/**
 * TLS helpers shared by the client, the relay and the tests: a self-signed key and certificate made
 * with Bouncy Castle ({@link io.sidestep.core.tls.CertifiedKey#selfSigned}), reading and writing
 * PEM files ({@link io.sidestep.core.tls.Pem}), public-key pins ({@link io.sidestep.core.tls.Pins})
 * and the TLS engine ({@link io.sidestep.core.tls.TlsEngines}).
 */
package io.sidestep.core.tls;
