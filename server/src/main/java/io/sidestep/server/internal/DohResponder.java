package io.sidestep.server.internal;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsMessages;
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
 * resolver fails otherwise. The resolver gives no TTLs, so answers carry {@value #TTL} seconds. An
 * address the destination policy refuses is left out of the answer, so the relay's hosts file and
 * internal zones stay private; a name left with no address gets an empty NOERROR answer (no data),
 * as a resolver answers a name without records of that type: the relay would not connect there
 * either. Blocks, so it runs on the blocking pool.
 */
public final class DohResponder {

  static final long TTL = 60;

  private final Resolver resolver;
  private final DestinationPolicy policy;

  public DohResponder(Resolver resolver, DestinationPolicy policy) {
    this.resolver = resolver;
    this.policy = policy;
  }

  /**
   * The encoded response to an encoded query.
   *
   * @throws io.sidestep.core.dns.DnsFormatException when the query does not parse
   */
  public byte[] answer(byte[] query) {
    return DnsMessages.respond(query, TTL, this::resolve);
  }

  DnsAnswer resolve(String name, DnsRecordType type) {
    if (!type.equals(DnsRecordType.A) && !type.equals(DnsRecordType.AAAA)) {
      return DnsAnswer.error(DnsResponseCode.NOTIMP);
    }
    if (IpLiterals.isIpLiteral(name)) {
      return DnsAnswer.error(DnsResponseCode.NXDOMAIN); // "1.2.3.4." is no name in the DNS
    }
    try {
      Destination.normalise(name);
    } catch (IllegalArgumentException e) {
      return DnsAnswer.error(DnsResponseCode.FORMERR);
    }
    List<InetAddress> all;
    try {
      all = resolver.resolve(name).join();
    } catch (RuntimeException e) {
      Failure kind = Failures.kindOf(e);
      if (kind != Failure.NO_ADDRESS) {
        return DnsAnswer.error(
            kind == Failure.NAME_NOT_FOUND ? DnsResponseCode.NXDOMAIN : DnsResponseCode.SERVFAIL);
      }
      all = List.of();
    }
    Class<?> family = type.equals(DnsRecordType.A) ? Inet4Address.class : Inet6Address.class;
    return DnsAnswer.of(all.stream().filter(family::isInstance).filter(policy::permits).toList());
  }
}
