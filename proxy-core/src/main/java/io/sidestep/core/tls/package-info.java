/**
 * TLS helpers shared by the client, the relay and the tests: generating keys and certificates with
 * Bouncy Castle ({@link io.sidestep.core.tls.CertificateBuilder}: self-signed, CAs, leaves signed
 * by a CA, any validity), reading and writing PEM files ({@link io.sidestep.core.tls.Pem}), key and
 * trust stores ({@link io.sidestep.core.tls.KeyStores}) and public-key pins ({@link
 * io.sidestep.core.tls.Pins}).
 */
package io.sidestep.core.tls;
