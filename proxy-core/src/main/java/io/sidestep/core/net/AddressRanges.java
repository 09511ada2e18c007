package io.sidestep.core.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;

/** Named sets of address blocks used by the relay's destination policy and by DNS checks. */
public final class AddressRanges {
  private AddressRanges() {}

  /**
   * Addresses a relay must never connect to on a stranger's behalf: loopback, private, link-local,
   * CGNAT, multicast, unspecified, broadcast and reserved, IPv4 and IPv6. The documentation ranges
   * are not in it: the test lab uses them as public addresses. IPv4-compatible ({@code ::/96}) and
   * 6to4 ({@code 2002::/16}) addresses are in it whole: each carries an IPv4 address that a host
   * with such a route would reach, {@code [::127.0.0.1]} and {@code [2002:7f00:1::]} included.
   */
  public static final List<Cidr> NON_PUBLIC =
      parseAll(
          """
          0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12
          192.0.0.0/24 192.168.0.0/16 198.18.0.0/15 224.0.0.0/4 240.0.0.0/4
          255.255.255.255/32 ::/96 2002::/16 fc00::/7 fe80::/10 fec0::/10 ff00::/8
          64:ff9b:1::/48
          """);

  /**
   * Answers that a resolver should never give for a public name; such an answer is a censor's lie
   * (technique 2, dns-bogon).
   */
  public static final List<Cidr> BOGONS =
      parseAll(
          """
          0.0.0.0/8 127.0.0.0/8 10.0.0.0/8 100.64.0.0/10 169.254.0.0/16 172.16.0.0/12
          192.168.0.0/16 224.0.0.0/4 240.0.0.0/4 ::/128 ::1/128 fc00::/7 fe80::/10
          """);

  public static boolean isNonPublic(InetAddress address) {
    return inAny(unwrap(address), NON_PUBLIC);
  }

  public static boolean isBogon(InetAddress address) {
    return inAny(unwrap(address), BOGONS);
  }

  public static boolean inAny(InetAddress address, List<Cidr> ranges) {
    InetAddress a = unwrap(address);
    for (Cidr c : ranges) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** An IPv4-mapped or NAT64 IPv6 address is judged as the IPv4 address inside it. */
  static InetAddress unwrap(InetAddress address) {
    if (address instanceof Inet6Address) {
      byte[] b = address.getAddress();
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      boolean v4mapped = mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      boolean nat64 = b[0] == 0x00 && b[1] == 0x64 && b[2] == (byte) 0xff && b[3] == (byte) 0x9b;
      if (v4mapped || nat64) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (java.net.UnknownHostException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return address;
  }

  private static List<Cidr> parseAll(String cidrs) {
    return java.util.Arrays.stream(cidrs.strip().split("\\s+")).map(Cidr::parse).toList();
  }
}
