package io.sidestep.core.net;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Recognises and parses IP literals without ever touching a resolver. */
public final class IpLiterals {
  private IpLiterals() {}

  public static boolean isIpLiteral(String s) {
    return isIpv4Literal(s) || isIpv6Literal(s);
  }

  public static boolean isIpv4Literal(String s) {
    return s != null && NetUtil.isValidIpV4Address(s);
  }

  public static boolean isIpv6Literal(String s) {
    if (s == null || s.indexOf(':') < 0 || s.length() > 45) {
      return false;
    }
    if (!s.chars().allMatch(c -> "0123456789abcdefABCDEF:.".indexOf(c) >= 0)) {
      return false;
    }
    try {
      // With a ':' and only hex digits this is parsed as a literal, never looked up.
      InetAddress.getByName(s);
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * Parses an IP literal.
   *
   * @throws IllegalArgumentException when {@code s} is not an IP literal
   */
  public static InetAddress parse(String s) {
    String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (!isIpLiteral(t)) {
      throw new IllegalArgumentException(
          "address: '" + s + "' (expected: an IPv4 or IPv6 literal)");
    }
    try {
      return InetAddress.getByName(t);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "address: '" + s + "' (expected: an IPv4 or IPv6 literal)", e);
    }
  }
}
