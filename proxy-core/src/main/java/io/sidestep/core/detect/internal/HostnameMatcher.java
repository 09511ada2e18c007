package io.sidestep.core.detect.internal;

import io.sidestep.core.net.IpLiterals;
import java.net.InetAddress;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Host name verification as browsers do it (RFC 6125): against the subjectAltName DNS names (or IP
 * addresses for an IP literal) only, never the CN; a wildcard only as the whole left-most label,
 * and never covering fewer than two further labels.
 */
public final class HostnameMatcher {
  private HostnameMatcher() {}

  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  public static boolean matches(String host, X509Certificate cert) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    boolean ip = IpLiterals.isIpLiteral(h);
    InetAddress address = ip ? IpLiterals.parse(h) : null;
    for (List<?> san : sans(cert)) {
      int type = (Integer) san.get(0);
      String value = String.valueOf(san.get(1));
      if (ip && type == SAN_IP) {
        if (IpLiterals.isIpLiteral(value) && IpLiterals.parse(value).equals(address)) {
          return true;
        }
      } else if (!ip && type == SAN_DNS && dnsMatches(h, value.toLowerCase(Locale.ROOT))) {
        return true;
      }
    }
    return false;
  }

  /** The certificate's subjectAltName DNS names and IP addresses, sorted. */
  public static Set<String> names(X509Certificate cert) {
    Set<String> out = new TreeSet<>();
    for (List<?> san : sans(cert)) {
      int type = (Integer) san.get(0);
      if (type == SAN_DNS || type == SAN_IP) {
        out.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  static boolean dnsMatches(String host, String pattern) {
    String p = pattern.endsWith(".") ? pattern.substring(0, pattern.length() - 1) : pattern;
    if (!p.startsWith("*.")) {
      return host.equals(p);
    }
    String suffix = p.substring(1); // ".example.com"
    if (suffix.indexOf('*') >= 0 || suffix.chars().filter(c -> c == '.').count() < 2) {
      return false; // "*.com" and nested wildcards never match
    }
    if (!host.endsWith(suffix)) {
      return false;
    }
    String label = host.substring(0, host.length() - suffix.length());
    return !label.isEmpty() && label.indexOf('.') < 0;
  }

  private static Collection<List<?>> sans(X509Certificate cert) {
    try {
      Collection<List<?>> s = cert.getSubjectAlternativeNames();
      return s == null ? List.of() : s;
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }
}
