package io.sidestep.core.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * An address record: {@link DnsType#A} with an IPv4 address or {@link DnsType#AAAA} with IPv6.
 *
 * @param name the record's owner name (the queried name, or the target of a CNAME), lower case
 * @param ttl seconds, 0 to 2^31-1
 */
public record DnsAnswer(String name, long ttl, InetAddress address) {

  public DnsAnswer {
    name = DnsQuery.normalise(name);
    if (ttl < 0 || ttl > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("DNS TTL: " + ttl + " (expected: 0-2147483647)");
    }
    if (!(address instanceof Inet4Address) && !(address instanceof Inet6Address)) {
      throw new IllegalArgumentException("DNS answer address: " + address + " (expected: IP)");
    }
  }

  /** {@link DnsType#A} for an IPv4 address, {@link DnsType#AAAA} for IPv6. */
  public int type() {
    return address instanceof Inet4Address ? DnsType.A : DnsType.AAAA;
  }
}
