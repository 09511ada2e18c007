package io.sidestep.core.detect;

import java.net.InetAddress;
import java.util.List;

/** What {@link DnsJudge} concluded about a name. */
public sealed interface DnsVerdict {

  /**
   * The local answer can be used for a direct connection. {@code note} is empty, or says why the
   * answer looked odd without being proof (a different public address through the relay is what
   * CDNs do).
   */
  record Consistent(List<InetAddress> addresses, String note) implements DnsVerdict {
    public Consistent {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * The local resolver lied: detour through the relay (which resolves the name itself) and learn
   * the host. {@code relayAddresses} is what the relay's resolver said.
   */
  record Tampered(Evidence evidence, List<InetAddress> relayAddresses) implements DnsVerdict {
    public Tampered {
      relayAddresses = List.copyOf(relayAddresses);
    }
  }

  /** Both sides agree the name has no usable address: fail as any resolver would, learn nothing. */
  record NotFound(String reason) implements DnsVerdict {}

  /**
   * Nothing can be concluded (the relay's resolver failed, or the local one did): learn nothing.
   * When {@code relayResolves} the relay has public addresses for the name, so this one visit may
   * go through the relay rather than fail.
   */
  record Unknown(String reason, boolean relayResolves) implements DnsVerdict {}

  /** Whether this verdict allows learning the host as blocked. */
  default boolean learn() {
    return this instanceof Tampered;
  }
}
