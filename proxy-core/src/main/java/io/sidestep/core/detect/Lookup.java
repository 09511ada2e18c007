package io.sidestep.core.detect;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What one resolver said about one name (A and AAAA together): no such name, no address, addresses,
 * or no answer at all.
 */
public sealed interface Lookup {

  /** The name does not exist (NXDOMAIN). */
  record NxDomain() implements Lookup {}

  /** The name exists but has no address of the asked families (NOERROR, empty answer). */
  record NoData() implements Lookup {}

  /** One or more addresses, in the order given. */
  record Addresses(List<InetAddress> addresses) implements Lookup {
    public Addresses {
      addresses = List.copyOf(addresses);
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("addresses: [] (expected: at least one; use NoData)");
      }
    }
  }

  /** The resolver could not be asked or did not answer usefully (timeout, SERVFAIL, REFUSED). */
  record Failed(String reason) implements Lookup {}

  static Lookup nxDomain() {
    return new NxDomain();
  }

  static Lookup noData() {
    return new NoData();
  }

  static Lookup addresses(List<InetAddress> addresses) {
    return addresses.isEmpty() ? new NoData() : new Addresses(addresses);
  }

  static Lookup failed(String reason) {
    return new Failed(reason);
  }

  /** The addresses, or an empty list for every other answer. */
  default List<InetAddress> list() {
    return this instanceof Addresses a ? a.addresses() : List.of();
  }

  /** A short description for evidence text: {@code NXDOMAIN}, {@code 127.0.0.1, 10.0.0.1}, … */
  default String describe() {
    if (this instanceof NxDomain) {
      return "NXDOMAIN";
    }
    if (this instanceof NoData) {
      return "no address";
    }
    if (this instanceof Failed f) {
      return "failed (" + f.reason() + ")";
    }
    List<InetAddress> all = list();
    String shown =
        all.stream().limit(3).map(InetAddress::getHostAddress).collect(Collectors.joining(", "));
    return all.size() > 3 ? shown + " and " + (all.size() - 3) + " more" : shown;
  }
}
