package io.sidestep.core.detect.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostnameMatcherTest {

  @Test
  void wildcardsFollowRfc6125() {
    assertThat(HostnameMatcher.dnsMatches("a.example.com", "*.example.com")).isTrue();
    assertThat(HostnameMatcher.dnsMatches("example.com", "*.example.com")).isFalse();
    assertThat(HostnameMatcher.dnsMatches("a.b.example.com", "*.example.com")).isFalse();
    assertThat(HostnameMatcher.dnsMatches("a.com", "*.com")).isFalse();
    assertThat(HostnameMatcher.dnsMatches("a.example.com", "*.*.com")).isFalse();
    assertThat(HostnameMatcher.dnsMatches("example.com", "example.com.")).isTrue();
    assertThat(HostnameMatcher.dnsMatches("example.com", "example.org")).isFalse();
  }
}
