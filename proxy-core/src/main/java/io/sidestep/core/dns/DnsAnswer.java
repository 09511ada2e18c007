package io.sidestep.core.dns;

import io.netty.handler.codec.dns.DnsResponseCode;
import java.net.InetAddress;
import java.util.List;

/**
 * What a DNS response says, as Sidestep reads it: its rcode and the addresses of its answer
 * section, in order (A and AAAA records; the CNAMEs on the way and other records are not kept).
 */
public record DnsAnswer(DnsResponseCode rcode, List<InetAddress> addresses) {

  public DnsAnswer {
    addresses = List.copyOf(addresses);
  }

  /** A NOERROR answer with these addresses (none for "the name exists, with no such record"). */
  public static DnsAnswer of(List<InetAddress> addresses) {
    return new DnsAnswer(DnsResponseCode.NOERROR, addresses);
  }

  /** An answer with no addresses and this rcode (NXDOMAIN, SERVFAIL, ...). */
  public static DnsAnswer error(DnsResponseCode rcode) {
    return new DnsAnswer(rcode, List.of());
  }
}
