package io.sidestep.core.dns;

import java.util.Locale;

/**
 * A query for one name and one record type (class IN, recursion desired).
 *
 * @param id the message ID, 0-65535; RFC 8484 recommends 0 over HTTPS so answers can be cached
 * @param name the name asked about, lower case, without the trailing dot
 * @param type the record type, such as {@link DnsType#A}
 */
public record DnsQuery(int id, String name, int type) {

  public DnsQuery {
    if (id < 0 || id > 0xffff) {
      throw new IllegalArgumentException("DNS id: " + id + " (expected: 0-65535)");
    }
    if (type < 0 || type > 0xffff) {
      throw new IllegalArgumentException("DNS type: " + type + " (expected: 0-65535)");
    }
    name = normalise(name);
  }

  public static DnsQuery of(String name, int type) {
    return new DnsQuery(0, name, type);
  }

  static String normalise(String name) {
    if (name == null) {
      throw new DnsFormatException("DNS name: null (expected: a name such as example.com)");
    }
    String n =
        name.endsWith(".") && name.length() > 1 ? name.substring(0, name.length() - 1) : name;
    if (n.isEmpty() || n.equals(".")) {
      throw new DnsFormatException(
          "DNS name: '" + name + "' (expected: a name such as example.com)");
    }
    return n.toLowerCase(Locale.ROOT);
  }

  @Override
  public String toString() {
    return name + " " + DnsType.name(type);
  }
}
