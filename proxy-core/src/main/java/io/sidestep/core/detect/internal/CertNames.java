package io.sidestep.core.detect.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * The distinguished names of the interception CAs seen in Kazakhstan, matched on their attribute
 * values, case-insensitive and with whitespace collapsed. The generic-sounding names need their
 * country or organisation too; the names of the legitimate national PKI (pki.gov.kz, e.g. {@code
 * ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ}) are not among them.
 */
public final class CertNames {
  private CertNames() {}

  /** One interception name: the CN and, when not null, the C or O that must come with it. */
  public record Pattern(String cn, String country, String organisation) {
    boolean matches(Attrs a) {
      return a.cn.contains(norm(cn))
          && (country == null || a.c.contains(norm(country)))
          && (organisation == null || a.o.contains(norm(organisation)));
    }
  }

  public static final List<Pattern> INTERCEPTION_NAMES =
      List.of(
          new Pattern("Qaznet Trust Network", null, null),
          new Pattern("Security Certificate", "KZ", null),
          new Pattern("Information Security Certification Authority CA", null, null),
          new Pattern("Information Security Certification Authority", null, "ISCA"),
          new Pattern("НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ", null, null));

  private record Attrs(List<String> cn, List<String> c, List<String> o) {}

  /**
   * The name itself, such as {@code C=KZ,CN=Qaznet Trust Network}, when it is one of the
   * interception names.
   */
  public static Optional<String> interceptionName(X500Principal name) {
    // A name X500Name cannot read has no attributes, so it matches no pattern.
    Attrs a = attrs(name);
    return INTERCEPTION_NAMES.stream().anyMatch(p -> p.matches(a))
        ? Optional.of(X500Name.getInstance(name.getEncoded()).toString())
        : Optional.empty();
  }

  /** The CN of a name, or the whole name when it has none: for evidence text. */
  public static String shortName(X500Principal name) {
    List<String> cn = values(name, BCStyle.CN, false);
    return cn.isEmpty() ? name.getName() : cn.get(0);
  }

  private static Attrs attrs(X500Principal name) {
    return new Attrs(
        values(name, BCStyle.CN, true),
        values(name, BCStyle.C, true),
        values(name, BCStyle.O, true));
  }

  private static List<String> values(X500Principal name, ASN1ObjectIdentifier type, boolean norm) {
    List<String> out = new ArrayList<>();
    X500Name x;
    try {
      x = X500Name.getInstance(name.getEncoded());
    } catch (IllegalArgumentException e) {
      return out;
    }
    for (RDN rdn : x.getRDNs()) {
      for (AttributeTypeAndValue tv : rdn.getTypesAndValues()) {
        if (tv.getType().equals(type)) {
          ASN1Encodable v = tv.getValue();
          String s = v instanceof ASN1String str ? str.getString() : v.toString();
          out.add(norm ? norm(s) : s);
        }
      }
    }
    return out;
  }

  static String norm(String s) {
    return s.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
  }
}
