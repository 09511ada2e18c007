package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.testing.ManualClock;
import org.junit.jupiter.api.Test;

class TechniqueTest {

  @Test
  void numbersAndShortNamesFollowTheTable() {
    assertThat(Technique.values()).hasSize(13);
    for (int i = 1; i <= 13; i++) {
      assertThat(Technique.values()[i - 1].number()).isEqualTo(i);
    }
    assertThat(Technique.TLS_SILENCE.label()).isEqualTo("8 tls-silence");
    assertThat(Technique.parse("tls-silence")).isEqualTo(Technique.TLS_SILENCE);
    assertThat(Technique.parse("8")).isEqualTo(Technique.TLS_SILENCE);
    assertThat(Technique.parse(" DNS-Bogon ")).isEqualTo(Technique.DNS_BOGON);
    assertThatThrownBy(() -> Technique.parse("tls-silent"))
        .hasMessageContaining("'tls-silent'")
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> Technique.parse("14")).hasMessageContaining("14");
  }

  @Test
  void everyTechniqueMapsToAProbeVerdict() {
    assertThat(Technique.DNS_NXDOMAIN.verdict()).isEqualTo(ProbeVerdict.DNS);
    assertThat(Technique.DNS_HIJACK.verdict()).isEqualTo(ProbeVerdict.DNS);
    assertThat(Technique.TCP_TIMEOUT.verdict()).isEqualTo(ProbeVerdict.TCP_IP);
    assertThat(Technique.TCP_REFUSED.verdict()).isEqualTo(ProbeVerdict.TCP_IP);
    assertThat(Technique.TLS_RESET.verdict()).isEqualTo(ProbeVerdict.TLS);
    assertThat(Technique.TLS_SILENCE.verdict()).isEqualTo(ProbeVerdict.TLS);
    assertThat(Technique.HTTP_RESET.verdict()).isEqualTo(ProbeVerdict.HTTP_DIFF);
    assertThat(Technique.HTTP_BLOCKPAGE.verdict()).isEqualTo(ProbeVerdict.HTTP_DIFF);
    assertThat(Technique.TLS_MITM.verdict()).isEqualTo(ProbeVerdict.MITM);
    assertThat(Technique.THROTTLED.verdict()).isEqualTo(ProbeVerdict.THROTTLED);
    assertThat(Technique.RELAY_BLOCKED.verdict())
        .as("a blocked relay says nothing about the site")
        .isEqualTo(ProbeVerdict.DOWN);
    assertThat(ProbeVerdict.DOWN.blocked()).isFalse();
    assertThat(ProbeVerdict.OK.blocked()).isFalse();
    assertThat(ProbeVerdict.TLS.blocked()).isTrue();
    assertThat(ProbeVerdict.TCP_IP.label()).isEqualTo("tcp_ip");
    assertThat(ProbeVerdict.HTTP_DIFF.label()).isEqualTo("http-diff");
  }

  @Test
  void evidenceTextIsOneSafeLine() {
    ManualClock clock = ManualClock.atDefault();
    Evidence e =
        Evidence.of(Technique.TLS_RESET, "reset # after\nClientHello;\r\n  0 bytes\tread", clock);
    assertThat(e.text()).isEqualTo("reset no. after ClientHello; 0 bytes read");
    assertThat(e.text()).doesNotContain(" # ", "\n", "\r");
    assertThat(e.summary())
        .isEqualTo("technique=7 tls-reset; evidence=reset no. after ClientHello; 0 bytes read");
    assertThat(new LearnedStore.Entry("a.example", e, clock.instant()).line())
        .as("the learned file separates its fields with ';'")
        .contains("# technique=7 tls-reset; evidence=reset no. after ClientHello, 0 bytes read;");
    assertThat(e.time()).isEqualTo(clock.instant());
    assertThat(Evidence.sanitise("x".repeat(1000))).hasSize(Evidence.MAX_TEXT);
    assertThat(Evidence.sanitise(null)).isEmpty();
  }
}
