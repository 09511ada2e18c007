package io.sidestep.core.detect;

import io.sidestep.core.net.AddressRanges;
import io.sidestep.core.net.Cidr;
import java.net.InetAddress;
import java.time.Clock;
import java.util.List;
import java.util.Objects;

/**
 * Judges a local DNS answer against the relay's answer for the same name (techniques 1–3).
 *
 * <p>Only answers a censor gives are suspicious: NXDOMAIN, no address, a bogon ({@link
 * AddressRanges#BOGONS}; the documentation ranges are not bogons) or a known block-page address.
 * Only those are checked with the relay ({@link #suspicious}), and only those count as tampering
 * when the relay has a public address for the name. A merely different public address is not proof:
 * CDNs and geo-DNS give different vantage points different answers, so it is noted and the local
 * answer is used.
 *
 * <p>When the relay's resolver fails nothing is learned. The client's settings give the known
 * block-page addresses.
 */
public final class DnsJudge {

  private final List<Cidr> blockPages;
  private final List<Cidr> bogons;
  private final Clock clock;

  /**
   * A judge that treats answers inside {@code blockPages} as a censor's block-page server and
   * answers inside {@code bogons} ({@link AddressRanges#BOGONS} but on loopback test networks) as
   * bogons.
   */
  public DnsJudge(List<Cidr> blockPages, List<Cidr> bogons, Clock clock) {
    this.blockPages = List.copyOf(blockPages);
    this.bogons = List.copyOf(bogons);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Whether the local answer needs the relay's opinion before it is used (or given up on). */
  public boolean suspicious(Lookup local) {
    if (local instanceof Lookup.Addresses a) {
      return a.addresses().stream().anyMatch(this::censorish);
    }
    return true;
  }

  /** Judges the local answer for {@code host} against the relay's answer for it. */
  public DnsVerdict judge(String host, Lookup local, Lookup relay) {
    if (relay instanceof Lookup.Failed f) {
      // Without the control nothing is known: use what the local resolver said.
      if (local instanceof Lookup.Addresses a) {
        return new DnsVerdict.Consistent(
            a.addresses(), "relay resolver failed (" + f.reason() + "); local answer unchecked");
      }
      return new DnsVerdict.Unknown(
          "local resolver: " + local.describe() + "; relay resolver failed (" + f.reason() + ")",
          false);
    }
    List<InetAddress> relayPublic = relay.list().stream().filter(a -> !censorish(a)).toList();
    String relaySays = "relay resolves " + relay.describe();

    if (local instanceof Lookup.Addresses a) {
      return judgeAddresses(a.addresses(), relay, relayPublic, relaySays);
    }
    if (local instanceof Lookup.Failed f) {
      // A local failure can be an outage of the local resolver as easily as a censor.
      return relayPublic.isEmpty()
          ? new DnsVerdict.NotFound(
              "local resolver failed (" + f.reason() + "); relay: " + relay.describe())
          : new DnsVerdict.Unknown(
              "local resolver failed (" + f.reason() + "); " + relaySays, true);
    }
    String localSays = local.describe();
    return relayPublic.isEmpty()
        ? new DnsVerdict.NotFound(localSays + " locally; relay: " + relay.describe())
        : tampered(
            Technique.DNS_NXDOMAIN, "local resolver: " + localSays + "; " + relaySays, relay);
  }

  private DnsVerdict judgeAddresses(
      List<InetAddress> local, Lookup relay, List<InetAddress> relayPublic, String relaySays) {
    List<InetAddress> bad = local.stream().filter(this::censorish).toList();
    String localSays = "local resolver: " + new Lookup.Addresses(local).describe();
    if (bad.isEmpty()) {
      boolean overlap = local.stream().anyMatch(relay.list()::contains);
      String note =
          overlap || relay.list().isEmpty()
              ? ""
              : "relay resolves other public addresses (" + relay.describe() + "); not proof";
      return new DnsVerdict.Consistent(local, note);
    }
    if (relay.list().stream().anyMatch(bad::contains)) {
      // The relay's resolver gives the same odd address: the name publishes it.
      return new DnsVerdict.Consistent(
          local, "relay resolves the same non-public address; the name publishes it");
    }
    if (relayPublic.isEmpty()) {
      return new DnsVerdict.Consistent(
          local, "relay has no public address either (" + relay.describe() + ")");
    }
    boolean blockPage = bad.stream().anyMatch(this::blockPage);
    Technique technique = blockPage ? Technique.DNS_BLOCKPAGE : Technique.DNS_BOGON;
    String what = blockPage ? " (a known block-page address)" : " (a bogon)";
    return tampered(technique, localSays + what + "; " + relaySays, relay);
  }

  private DnsVerdict tampered(Technique technique, String text, Lookup relay) {
    return new DnsVerdict.Tampered(Evidence.of(technique, text, clock), relay.list());
  }

  private boolean censorish(InetAddress address) {
    return AddressRanges.inAny(address, bogons) || blockPage(address);
  }

  private boolean blockPage(InetAddress address) {
    return AddressRanges.inAny(address, blockPages);
  }
}
