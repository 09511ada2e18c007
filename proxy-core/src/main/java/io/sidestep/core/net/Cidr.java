package io.sidestep.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** An address block such as {@code 10.0.0.0/8} or {@code fc00::/7}. */
public record Cidr(InetAddress network, int prefixLength) {

  public Cidr {
    int max = network.getAddress().length * 8;
    if (prefixLength < 0 || prefixLength > max) {
      throw new IllegalArgumentException(
          "prefix length: " + prefixLength + " (expected: 0-" + max + ")");
    }
    network = mask(network, prefixLength);
  }

  /**
   * Parses {@code ADDRESS/PREFIX}; a bare address is a single host.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static Cidr parse(String text) {
    String s = text.trim();
    int slash = s.indexOf('/');
    InetAddress addr = IpLiterals.parse(slash < 0 ? s : s.substring(0, slash));
    int max = addr.getAddress().length * 8;
    int len = max;
    if (slash >= 0) {
      try {
        len = Integer.parseInt(s.substring(slash + 1));
      } catch (NumberFormatException e) {
        len = -1;
      }
      if (len < 0 || len > max) {
        throw new IllegalArgumentException(
            "CIDR: '" + text + "' (expected: ADDRESS/0-" + max + ")");
      }
    }
    return new Cidr(addr, len);
  }

  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    byte[] n = network.getAddress();
    if (a.length != n.length) {
      return false;
    }
    int full = prefixLength / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != n[i]) {
        return false;
      }
    }
    int rest = prefixLength % 8;
    if (rest == 0) {
      return true;
    }
    int m = (0xff << (8 - rest)) & 0xff;
    return (a[full] & m) == (n[full] & m);
  }

  private static InetAddress mask(InetAddress address, int prefixLength) {
    byte[] b = address.getAddress();
    for (int i = 0; i < b.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefixLength - i * 8));
      b[i] &= (byte) ((0xff << (8 - bitsHere)) & 0xff);
    }
    try {
      return address instanceof Inet4Address
          ? InetAddress.getByAddress(b)
          : Inet6Address.getByAddress(null, b, null);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + prefixLength;
  }
}
