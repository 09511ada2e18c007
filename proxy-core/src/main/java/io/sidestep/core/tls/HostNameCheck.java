package io.sidestep.core.tls;

import io.sidestep.core.net.IpLiterals;
import java.net.IDN;
import java.net.InetAddress;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Whether a server certificate names the host it was reached by, as browsers check it (RFC 6125,
 * RFC 9525): a host name against the subjectAltName's dNSName entries, an IP literal against its
 * iPAddress entries, and never the subject's common name. A wildcard is honoured only as the whole
 * left-most label ({@code *.example.org}), matches exactly one label, and needs at least two labels
 * after it; names compare case-insensitively in their ASCII (A-label) form, a trailing dot ignored.
 */
public final class HostNameCheck {

  private static final int DNS_NAME = 2;
  private static final int IP_ADDRESS = 7;

  private HostNameCheck() {}

  /**
   * Passes if {@code cert} names {@code host}.
   *
   * @throws CertificateException naming the host and the names the certificate has
   */
  public static void check(X509Certificate cert, String host) throws CertificateException {
    if (!matches(cert, host)) {
      List<String> names = names(cert);
      throw new CertificateException(
          "certificate does not name "
              + host
              + " (its subjectAltName: "
              + (names.isEmpty() ? "none" : String.join(", ", names))
              + ")");
    }
  }

  /** Whether {@code cert}'s subjectAltName names {@code host} (a host name or an IP literal). */
  public static boolean matches(X509Certificate cert, String host) {
    String h =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (sans == null) {
      return false;
    }
    if (IpLiterals.isIpLiteral(h)) {
      InetAddress wanted = IpLiterals.parse(h);
      for (List<?> san : sans) {
        if (type(san) == IP_ADDRESS
            && san.get(1) instanceof String s
            && IpLiterals.isIpLiteral(s)
            && IpLiterals.parse(s).equals(wanted)) {
          return true;
        }
      }
      return false;
    }
    String name = normalize(h);
    if (name == null) {
      return false;
    }
    for (List<?> san : sans) {
      if (type(san) == DNS_NAME && san.get(1) instanceof String pattern) {
        String p = normalize(pattern);
        if (p != null && matchesPattern(name, p)) {
          return true;
        }
      }
    }
    return false;
  }

  /** Whether {@code name} matches {@code pattern}, both normalized. */
  static boolean matchesPattern(String name, String pattern) {
    if (!pattern.startsWith("*.")) {
      return !pattern.contains("*") && pattern.equals(name);
    }
    String rest = pattern.substring(2);
    // "*.com" would cover a whole top-level domain; "*.*.example" and "f*o.example" are not ours.
    if (rest.contains("*") || rest.indexOf('.') < 0) {
      return false;
    }
    int dot = name.indexOf('.');
    return dot > 0 && name.substring(dot + 1).equals(rest);
  }

  /** Lower-case ASCII without a trailing dot, or null for a name IDN cannot convert. */
  private static String normalize(String name) {
    String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    if (n.isEmpty()) {
      return null;
    }
    try {
      return IDN.toASCII(n, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int type(List<?> san) {
    return san.size() >= 2 && san.get(0) instanceof Integer t ? t : -1;
  }

  private static List<String> names(X509Certificate cert) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if ((type(san) == DNS_NAME || type(san) == IP_ADDRESS)
              && san.get(1) instanceof String s) {
            out.add(s);
          }
        }
      }
    } catch (CertificateParsingException e) {
      // none readable
    }
    return out;
  }
}
