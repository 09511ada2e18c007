package io.sidestep.server.internal;

import io.sidestep.core.net.AddressRanges;
import io.sidestep.core.net.Cidr;
import java.net.InetAddress;
import java.util.List;

/**
 * Which addresses the relay connects to on a user's behalf: public ones only (not {@link
 * AddressRanges#NON_PUBLIC}: loopback, private, link-local, CGNAT, multicast, unspecified and the
 * rest), except for blocks the operator allowed with {@code --allow-destination}. It judges
 * addresses, after resolution, so a name that resolves to a private address is refused too.
 */
public record DestinationPolicy(List<Cidr> allowed) {

  public DestinationPolicy {
    allowed = List.copyOf(allowed);
  }

  public boolean permits(InetAddress address) {
    return AddressRanges.inAny(address, allowed) || !AddressRanges.isNonPublic(address);
  }
}
