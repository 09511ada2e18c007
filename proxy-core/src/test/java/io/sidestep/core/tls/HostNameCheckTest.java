package io.sidestep.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import org.junit.jupiter.api.Test;

class HostNameCheckTest {

  private static X509Certificate cert(String cn, String[] dns, String... ips) {
    return CertificateBuilder.subject(cn).dnsNames(dns).ipAddresses(ips).selfSigned().certificate();
  }

  private static X509Certificate dns(String... names) {
    return cert("CN=irrelevant", names);
  }

  @Test
  void anExactNameMatchesCaseInsensitivelyAndWithATrailingDot() {
    X509Certificate c = dns("relay.example.org");
    assertThat(HostNameCheck.matches(c, "relay.example.org")).isTrue();
    assertThat(HostNameCheck.matches(c, "RELAY.Example.ORG")).isTrue();
    assertThat(HostNameCheck.matches(c, "relay.example.org.")).isTrue();
    assertThat(HostNameCheck.matches(dns("relay.example.org."), "relay.example.org")).isTrue();
    assertThat(HostNameCheck.matches(c, "example.org")).isFalse();
    assertThat(HostNameCheck.matches(c, "xrelay.example.org")).isFalse();
  }

  @Test
  void aWildcardCoversExactlyOneLeftMostLabel() {
    X509Certificate c = dns("*.example.org");
    assertThat(HostNameCheck.matches(c, "relay.example.org")).isTrue();
    assertThat(HostNameCheck.matches(c, "example.org")).as("no empty label").isFalse();
    assertThat(HostNameCheck.matches(c, "a.relay.example.org")).as("one label only").isFalse();
    assertThat(HostNameCheck.matches(c, "relay.example.net")).isFalse();
  }

  @Test
  void partialTooBroadAndInnerWildcardsMatchNothing() {
    assertThat(HostNameCheck.matches(dns("f*.example.org"), "foo.example.org")).isFalse();
    assertThat(HostNameCheck.matches(dns("*oo.example.org"), "foo.example.org")).isFalse();
    assertThat(HostNameCheck.matches(dns("*.org"), "example.org")).as("a whole TLD").isFalse();
    assertThat(HostNameCheck.matches(dns("*"), "localhost")).isFalse();
    assertThat(HostNameCheck.matches(dns("a.*.example.org"), "a.b.example.org")).isFalse();
    assertThat(HostNameCheck.matches(dns("*.*.example.org"), "a.b.example.org")).isFalse();
  }

  @Test
  void theCommonNameIsNeverUsed() {
    X509Certificate onlyCn = cert("CN=relay.example.org", new String[0]);
    assertThat(HostNameCheck.matches(onlyCn, "relay.example.org")).isFalse();
    X509Certificate cnAndSan = cert("CN=relay.example.org", new String[] {"other.example.org"});
    assertThat(HostNameCheck.matches(cnAndSan, "relay.example.org")).isFalse();
  }

  @Test
  void anIpLiteralMatchesOnlyAnIpAddressEntry() {
    X509Certificate c =
        cert("CN=192.0.2.7", new String[] {"192.0.2.8"}, "192.0.2.7", "2001:db8::1");
    assertThat(HostNameCheck.matches(c, "192.0.2.7")).isTrue();
    assertThat(HostNameCheck.matches(c, "2001:db8:0:0::1")).isTrue();
    assertThat(HostNameCheck.matches(c, "[2001:db8::1]")).isTrue();
    assertThat(HostNameCheck.matches(c, "192.0.2.8")).as("a dNSName is not an address").isFalse();
    assertThat(HostNameCheck.matches(c, "192.0.2.9")).isFalse();
    assertThat(HostNameCheck.matches(dns("*.0.2.7"), "192.0.2.7")).isFalse();
  }

  @Test
  void internationalNamesCompareInTheirAsciiForm() {
    X509Certificate c = dns("xn--bcher-kva.example.org");
    assertThat(HostNameCheck.matches(c, "bücher.example.org")).isTrue();
    assertThat(HostNameCheck.matches(c, "bucher.example.org")).isFalse();
  }

  @Test
  void theErrorNamesTheHostAndTheCertificatesNames() {
    X509Certificate c = dns("a.example.org", "*.b.example.org");
    assertThatThrownBy(() -> HostNameCheck.check(c, "relay.example.org"))
        .isInstanceOf(CertificateException.class)
        .hasMessage(
            "certificate does not name relay.example.org (its subjectAltName: a.example.org,"
                + " *.b.example.org)");
  }
}
