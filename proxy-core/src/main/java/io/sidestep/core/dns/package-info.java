/**
 * The DNS wire format, as much as Sidestep needs: one-question queries and their A/AAAA answers
 * ({@link io.sidestep.core.dns.DnsCodec}), and the conventions of DNS-over-HTTPS, RFC 8484 ({@link
 * io.sidestep.core.dns.DnsOverHttps}), which the relay serves and the client's detection asks. Pure
 * Java, no Netty types.
 */
package io.sidestep.core.dns;
