package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.AddressRanges;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.testing.ManualClock;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsJudgeTest {
  private final ManualClock clock = ManualClock.atDefault();
  private final DnsJudge judge =
      new DnsJudge(List.of(Cidr.parse("198.51.100.66")), AddressRanges.BOGONS, clock);

  private static Lookup addrs(String... a) {
    return Lookup.addresses(Arrays.stream(a).map(IpLiterals::parse).toList());
  }

  private static InetAddress ip(String a) {
    return IpLiterals.parse(a);
  }

  @Test
  void publicLocalAnswerIsNotSuspiciousAndNeedsNoRelay() {
    assertThat(judge.suspicious(addrs("203.0.113.10"))).isFalse();
    assertThat(judge.suspicious(addrs("2001:db8::1")))
        .as("documentation ranges are the lab's public addresses, not bogons")
        .isFalse();
  }

  @Test
  void censorLikeAnswersAreSuspicious() {
    assertThat(judge.suspicious(Lookup.nxDomain())).isTrue();
    assertThat(judge.suspicious(Lookup.noData())).isTrue();
    assertThat(judge.suspicious(Lookup.failed("timeout"))).isTrue();
    assertThat(judge.suspicious(addrs("127.0.0.1"))).isTrue();
    assertThat(judge.suspicious(addrs("0.0.0.0"))).isTrue();
    assertThat(judge.suspicious(addrs("10.1.2.3"))).isTrue();
    assertThat(judge.suspicious(addrs("::1"))).isTrue();
    assertThat(judge.suspicious(addrs("::ffff:192.168.1.1"))).isTrue();
    assertThat(judge.suspicious(addrs("198.51.100.66"))).as("known block page").isTrue();
    assertThat(judge.suspicious(addrs("203.0.113.10", "127.0.0.1"))).isTrue();
  }

  @Test
  void nxdomainWhileTheRelayResolvesIsTampering() {
    DnsVerdict v = judge.judge("blocked.example", Lookup.nxDomain(), addrs("203.0.113.7"));
    assertThat(v).isInstanceOf(DnsVerdict.Tampered.class);
    DnsVerdict.Tampered t = (DnsVerdict.Tampered) v;
    assertThat(t.evidence().technique()).isEqualTo(Technique.DNS_NXDOMAIN);
    assertThat(t.evidence().text())
        .isEqualTo("local resolver: NXDOMAIN; relay resolves 203.0.113.7");
    assertThat(t.evidence().time()).isEqualTo(clock.instant());
    assertThat(t.relayAddresses()).containsExactly(ip("203.0.113.7"));
    assertThat(v.learn()).isTrue();
  }

  @Test
  void emptyAnswerWhileTheRelayResolvesIsTampering() {
    DnsVerdict v = judge.judge("blocked.example", Lookup.noData(), addrs("203.0.113.7"));
    assertThat(((DnsVerdict.Tampered) v).evidence().technique()).isEqualTo(Technique.DNS_NXDOMAIN);
    assertThat(((DnsVerdict.Tampered) v).evidence().text()).contains("no address");
  }

  @Test
  void bogonWhileTheRelayHasAPublicAddressIsTampering() {
    DnsVerdict v = judge.judge("blocked.example", addrs("127.0.0.1"), addrs("203.0.113.7"));
    DnsVerdict.Tampered t = (DnsVerdict.Tampered) v;
    assertThat(t.evidence().technique()).isEqualTo(Technique.DNS_BOGON);
    assertThat(t.evidence().text())
        .isEqualTo("local resolver: 127.0.0.1 (a bogon); relay resolves 203.0.113.7");
  }

  @Test
  void knownBlockPageAddressWhileTheRelayDiffersIsTampering() {
    DnsVerdict v = judge.judge("blocked.example", addrs("198.51.100.66"), addrs("203.0.113.7"));
    DnsVerdict.Tampered t = (DnsVerdict.Tampered) v;
    assertThat(t.evidence().technique()).isEqualTo(Technique.DNS_BLOCKPAGE);
    assertThat(t.evidence().text()).contains("known block-page address");
  }

  @Test
  void aMerelyDifferentPublicAddressIsNotProof() {
    // Not suspicious, but if a caller asks anyway the answer stays usable, with a note.
    DnsVerdict v = judge.judge("cdn.example", addrs("203.0.113.10"), addrs("192.0.2.20"));
    assertThat(v).isInstanceOf(DnsVerdict.Consistent.class);
    assertThat(((DnsVerdict.Consistent) v).addresses()).containsExactly(ip("203.0.113.10"));
    assertThat(((DnsVerdict.Consistent) v).note()).contains("not proof");
    assertThat(v.learn()).isFalse();
  }

  @Test
  void relayFailureLearnsNothing() {
    DnsVerdict v = judge.judge("x.example", Lookup.nxDomain(), Lookup.failed("timeout"));
    assertThat(v)
        .isEqualTo(
            new DnsVerdict.Unknown(
                "local resolver: NXDOMAIN; relay resolver failed (timeout)", false));
    DnsVerdict w = judge.judge("x.example", addrs("127.0.0.1"), Lookup.failed("HTTP 503"));
    assertThat(w)
        .as("without a control the local answer is used, unchecked")
        .isInstanceOf(DnsVerdict.Consistent.class);
    assertThat(w.learn()).isFalse();
  }

  @Test
  void bothSidesSayNoSuchNameIsNotFound() {
    assertThat(judge.judge("nope.example", Lookup.nxDomain(), Lookup.nxDomain()))
        .isInstanceOf(DnsVerdict.NotFound.class);
    assertThat(judge.judge("nope.example", Lookup.noData(), Lookup.nxDomain()))
        .isInstanceOf(DnsVerdict.NotFound.class);
    assertThat(judge.judge("nope.example", Lookup.nxDomain(), addrs("10.0.0.1")))
        .as("the relay's only answer is private too: nothing to detour to")
        .isInstanceOf(DnsVerdict.NotFound.class);
  }

  @Test
  void aNameThatPublishesAPrivateAddressIsConsistent() {
    DnsVerdict v = judge.judge("intranet.example", addrs("10.0.0.5"), addrs("10.0.0.5"));
    assertThat(v).isInstanceOf(DnsVerdict.Consistent.class);
    assertThat(((DnsVerdict.Consistent) v).note()).contains("publishes");
    DnsVerdict w = judge.judge("odd.example", addrs("10.0.0.5"), addrs("10.9.9.9"));
    assertThat(w).as("bogon against bogon is no proof").isInstanceOf(DnsVerdict.Consistent.class);
  }

  @Test
  void localResolverFailureDetoursOnceButLearnsNothing() {
    DnsVerdict v = judge.judge("x.example", Lookup.failed("SERVFAIL"), addrs("203.0.113.7"));
    assertThat(v).isInstanceOf(DnsVerdict.Unknown.class);
    assertThat(((DnsVerdict.Unknown) v).relayResolves()).isTrue();
    assertThat(v.learn()).isFalse();
    assertThat(judge.judge("x.example", Lookup.failed("timeout"), Lookup.nxDomain()))
        .isInstanceOf(DnsVerdict.NotFound.class);
  }

  @Test
  void describeIsShort() {
    assertThat(
            addrs("203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5")
                .describe())
        .isEqualTo("203.0.113.1, 203.0.113.2, 203.0.113.3 and 2 more");
    assertThat(Lookup.addresses(List.of())).isInstanceOf(Lookup.NoData.class);
  }
}
