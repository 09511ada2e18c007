/**
 * DNS as Sidestep needs it: one-question queries and their A/AAAA answers as bytes ({@link
 * io.sidestep.core.dns.DnsMessages}, on Netty's DNS codec), what an answer says ({@link
 * io.sidestep.core.dns.DnsAnswer}), and the conventions of DNS-over-HTTPS, RFC 8484 ({@link
 * io.sidestep.core.dns.DnsOverHttps}), which the relay serves and the client's detection asks.
 */
package io.sidestep.core.dns;
