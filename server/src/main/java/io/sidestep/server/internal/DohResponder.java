package io.sidestep.server.internal;

import io.sidestep.core.dns.DnsCodec;
import io.sidestep.core.dns.DnsQuery;
import io.sidestep.core.dns.DnsRcode;
import io.sidestep.core.dns.DnsResponse;
import io.sidestep.core.dns.DnsType;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.route.Destination;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/**
 * Answers a DNS query (the body of a DNS-over-HTTPS request) with the relay's own resolver: A and
 * AAAA only (other types get NOTIMP), NXDOMAIN for a name that does not resolve, SERVFAIL when the
 * resolver fails otherwise. The resolver gives no TTLs, so answers carry {@value #TTL} seconds. The
 * destination policy does not apply: detection needs the true answer, whatever it is. Blocks, so it
 * runs on the blocking pool.
 */
public final class DohResponder {

  static final long TTL = 60;

  private final Resolver resolver;

  public DohResponder(Resolver resolver) {
    this.resolver = resolver;
  }

  /**
   * The encoded response to an encoded query.
   *
   * @throws io.sidestep.core.dns.DnsFormatException when the query does not parse
   */
  public byte[] answer(byte[] query) {
    DnsQuery q = DnsCodec.decodeQuery(query);
    return DnsCodec.encodeResponse(resolve(q));
  }

  DnsResponse resolve(DnsQuery q) {
    if (q.type() != DnsType.A && q.type() != DnsType.AAAA) {
      return DnsResponse.error(q, DnsRcode.NOTIMP);
    }
    if (IpLiterals.isIpLiteral(q.name())) {
      return DnsResponse.error(q, DnsRcode.NXDOMAIN); // "1.2.3.4." is no name in the DNS
    }
    try {
      Destination.normalise(q.name());
    } catch (IllegalArgumentException e) {
      return DnsResponse.error(q, DnsRcode.FORMERR);
    }
    List<InetAddress> all;
    try {
      all = resolver.resolve(q.name()).join();
    } catch (RuntimeException e) {
      Failure kind = Failures.kindOf(e);
      if (kind != Failure.NO_ADDRESS) {
        return DnsResponse.error(
            q, kind == Failure.NAME_NOT_FOUND ? DnsRcode.NXDOMAIN : DnsRcode.SERVFAIL);
      }
      all = List.of();
    }
    Class<?> family = q.type() == DnsType.A ? Inet4Address.class : Inet6Address.class;
    return DnsResponse.answer(q, all.stream().filter(family::isInstance).toList(), TTL);
  }
}
