package io.sidestep.core.rules.internal;

import io.sidestep.core.route.Destination;
import java.net.IDN;
import java.util.Locale;

/**
 * Normalises rule values the way {@link Destination#normalise} normalises hosts, with a fast path
 * for the plain ASCII names that make up almost every list (loading 100,000 rules must stay fast).
 */
public final class Names {
  private Names() {}

  /**
   * Returns the lower-case punycode form of a domain value without its trailing dot, or throws
   * {@link IllegalArgumentException} with a message saying what is wrong.
   */
  public static String domain(String value) {
    String v = value;
    int end = v.length();
    while (end > 1 && v.charAt(end - 1) == '.') {
      end--;
    }
    if (end != v.length()) {
      v = v.substring(0, end);
    }
    if (v.isEmpty() || v.equals(".")) {
      throw new IllegalArgumentException("empty domain");
    }
    boolean ascii = true;
    boolean lower = true;
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c >= 0x80) {
        ascii = false;
        break;
      }
      if (c >= 'A' && c <= 'Z') {
        lower = false;
      } else if (!((c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '.'
          || c == '_')) {
        throw new IllegalArgumentException("character '" + c + "' in domain '" + value + "'");
      }
    }
    if (ascii) {
      if (v.startsWith(".") || v.contains("..")) {
        throw new IllegalArgumentException("empty label in domain '" + value + "'");
      }
      if (v.length() > 253) {
        throw new IllegalArgumentException("domain longer than 253 characters");
      }
      return lower ? v : v.toLowerCase(Locale.ROOT);
    }
    try {
      return Destination.normalise(v);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("domain '" + value + "' is not a valid name");
    }
  }

  /** The Unicode form of a punycode host, or the host itself when it has no {@code xn--} label. */
  public static String unicode(String host) {
    if (!host.contains("xn--")) {
      return host;
    }
    try {
      return IDN.toUnicode(host, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      return host;
    }
  }

  /** True when every character is ASCII. */
  public static boolean isAscii(String s) {
    return s.chars().allMatch(c -> c < 0x80);
  }
}
