package io.sidestep.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IpLiteralsTest {

  @Test
  void ipv4LiteralsAreFourDottedNumbersUpTo255() {
    for (String ok : new String[] {"1.2.3.4", "0.0.0.0", "255.255.255.255", "01.2.3.4"}) {
      assertThat(IpLiterals.isIpv4Literal(ok)).as(ok).isTrue();
    }
    for (String bad :
        new String[] {
          "",
          "1.2.3",
          "1.2.3.4.5",
          "256.1.1.1",
          "1..2.3",
          "1.2.3.4.",
          "1.2.3.-4",
          "1.2.3.0004",
          "a.b.c.d",
          "example.com",
          "::1"
        }) {
      assertThat(IpLiterals.isIpv4Literal(bad)).as(bad).isFalse();
    }
    assertThat(IpLiterals.isIpv4Literal(null)).isFalse();
  }

  @Test
  void ipv6LiteralsAreParsedWithoutALookup() {
    assertThat(IpLiterals.isIpv6Literal("2001:db8::1")).isTrue();
    assertThat(IpLiterals.isIpv6Literal("::ffff:192.0.2.1")).isTrue();
    assertThat(IpLiterals.isIpv6Literal("[::1]"))
        .as("brackets are not part of a literal")
        .isFalse();
    assertThat(IpLiterals.isIpv6Literal("fe80::1%eth0")).as("no zone ids").isFalse();
    assertThat(IpLiterals.parse("[::1]").isLoopbackAddress()).isTrue();
    assertThatThrownBy(() -> IpLiterals.parse("example.com"))
        .hasMessageContaining("'example.com' (expected: an IPv4 or IPv6 literal)");
  }
}
