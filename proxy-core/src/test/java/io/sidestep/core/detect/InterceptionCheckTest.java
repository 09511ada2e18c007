package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.testing.ManualClock;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InterceptionCheckTest {
  private final ManualClock clock = ManualClock.atDefault();
  private final TestPki.Ca publicCa = TestPki.ca("C=US, O=Honest Trust, CN=Honest Root");
  private final TestPki.Ca issuing =
      TestPki.intermediate("C=US, O=Honest Trust, CN=Honest TLS CA", publicCa);
  private final X509Certificate realLeaf =
      TestPki.leaf(issuing, "site.example", List.of("site.example", "www.site.example"));
  private final List<X509Certificate> realChain = List.of(realLeaf, issuing.cert());

  private InterceptionCheck checkTrusting(X509Certificate... roots) {
    return new InterceptionCheck(TestPki.trusting(roots), clock);
  }

  @Test
  void aValidChainForTheHostIsOk() {
    InterceptionCheck check = checkTrusting(publicCa.cert());
    assertThat(check.inspect("site.example", realChain).clean()).isTrue();
    assertThat(check.inspect("WWW.site.example", realChain).clean()).isTrue();
    assertThat(check.judge("site.example", realChain, new RelayChain.NotChecked()))
        .isInstanceOf(CertVerdict.Ok.class);
    assertThat(check.judge("site.example", realChain, RelayChain.seen(realChain)))
        .isEqualTo(new CertVerdict.Ok("direct and relay chains validate"));
  }

  @Test
  void theHostNameIsChecked() {
    InterceptionCheck check = checkTrusting(publicCa.cert());
    ChainReport r = check.inspect("other.example", realChain);
    assertThat(r.failure()).get().asString().contains("not valid for other.example");
    assertThat(r.interception()).isEmpty();
    assertThat(r.clean()).isFalse();
  }

  @Test
  void anUntrustedChainWhileTheRelaysValidatesIsInterception() {
    TestPki.Ca unknown = TestPki.ca("CN=Totally Legit Root");
    X509Certificate forged = TestPki.leaf(unknown, "site.example", List.of("site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert());
    CertVerdict v = check.judge("site.example", List.of(forged), RelayChain.seen(realChain));
    assertThat(v).isInstanceOf(CertVerdict.Mitm.class);
    Evidence e = ((CertVerdict.Mitm) v).evidence();
    assertThat(e.technique()).isEqualTo(Technique.TLS_MITM);
    assertThat(e.text())
        .startsWith("direct chain does not validate: ")
        .endsWith("; relay chain validates");
    assertThat(v.learn()).isTrue();
  }

  @Test
  void anInstalledInterceptionRootDoesNotLookClean() {
    TestPki.Ca qaznet = TestPki.ca("C=KZ, CN=Qaznet Trust Network");
    X509Certificate forged = TestPki.leaf(qaznet, "site.example", List.of("site.example"));
    // The user installed the interception root: PKIX alone would pass.
    InterceptionCheck check = checkTrusting(publicCa.cert(), qaznet.cert());
    ChainReport r = check.inspect("site.example", List.of(forged));
    assertThat(r.failure()).as("it validates").isEmpty();
    assertThat(r.interception()).get().asString().contains("Qaznet Trust Network");
    assertThat(check.judge("site.example", List.of(forged), new RelayChain.NotChecked()))
        .as("without the relay's view nothing is learned")
        .isInstanceOf(CertVerdict.Unknown.class);
    CertVerdict v = check.judge("site.example", List.of(forged), RelayChain.seen(realChain));
    assertThat(((CertVerdict.Mitm) v).evidence().text())
        .contains("issued by interception CA 'C=KZ,CN=Qaznet Trust Network'");
  }

  @Test
  void everyInterceptionNameIsRecognised() {
    for (String dn :
        List.of(
            "C=KZ, CN=Qaznet Trust Network",
            "CN=qaznet   trust network",
            "C=KZ, CN=Security Certificate",
            "CN=Information Security Certification Authority CA",
            "O=ISCA, CN=Information Security Certification Authority",
            "C=KZ, CN=НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ")) {
      TestPki.Ca ca = TestPki.ca(dn);
      X509Certificate leaf = TestPki.leaf(ca, "site.example", List.of("site.example"));
      InterceptionCheck check = checkTrusting(ca.cert());
      assertThat(check.inspect("site.example", List.of(leaf, ca.cert())).interception())
          .as(dn)
          .isPresent();
      assertThat(check.inspect("site.example", List.of(leaf)).interception())
          .as(dn + " as issuer only")
          .isPresent();
    }
  }

  @Test
  void genericOrLegitimateNamesAreNotMarked() {
    for (String dn :
        List.of(
            "CN=Security Certificate",
            "C=US, CN=Security Certificate",
            "CN=Information Security Certification Authority",
            "C=KZ, CN=ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)",
            "C=KZ, O=Qaznet, CN=Qaznet Trust Network Services Root")) {
      TestPki.Ca ca = TestPki.ca(dn);
      X509Certificate leaf = TestPki.leaf(ca, "egov.example", List.of("egov.example"));
      InterceptionCheck check = checkTrusting(ca.cert());
      ChainReport r = check.inspect("egov.example", List.of(leaf, ca.cert()));
      assertThat(r.clean()).as(dn).isTrue();
    }
  }

  @Test
  void listedRootFingerprintsAreMarkedInTheChainAndAsTheInstalledAnchor() {
    TestPki.Ca odd = TestPki.ca("CN=Harmless Looking Root");
    String fp = InterceptionCheck.fingerprint(odd.cert());
    X509Certificate leaf = TestPki.leaf(odd, "site.example", List.of("site.example"));
    InterceptionCheck check =
        new InterceptionCheck(TestPki.trusting(odd.cert()), Set.of(fp.toLowerCase()), clock);
    assertThat(check.inspect("site.example", List.of(leaf, odd.cert())).interception())
        .get()
        .asString()
        .startsWith("interception root " + fp.substring(0, 16));
    assertThat(check.inspect("site.example", List.of(leaf)).interception())
        .as("root not sent, found among the installed anchors")
        .get()
        .asString()
        .startsWith("chains to installed interception root");
    assertThat(InterceptionCheck.INTERCEPTION_ROOTS).hasSize(3);
  }

  @Test
  void aChainBrokenForEveryoneIsNotCensorship() {
    KeyPair kp = TestPki.keyPair();
    X509Certificate expired =
        TestPki.leaf(
            issuing,
            "old.example",
            List.of("old.example"),
            kp,
            TestPki.NOW.minus(400, ChronoUnit.DAYS),
            TestPki.NOW.minus(10, ChronoUnit.DAYS));
    List<X509Certificate> chain = List.of(expired, issuing.cert());
    InterceptionCheck check = checkTrusting(publicCa.cert());
    CertVerdict v = check.judge("old.example", chain, RelayChain.seen(chain));
    assertThat(v).isInstanceOf(CertVerdict.BrokenForEveryone.class);
    assertThat(v.learn()).isFalse();
  }

  @Test
  void aFailedRelayLearnsNothing() {
    TestPki.Ca unknown = TestPki.ca("CN=Unknown Root");
    X509Certificate forged = TestPki.leaf(unknown, "site.example", List.of("site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert());
    assertThat(check.judge("site.example", List.of(forged), RelayChain.failed("relay down")))
        .isInstanceOf(CertVerdict.Unknown.class);
    assertThat(check.judge("site.example", realChain, RelayChain.failed("relay down")))
        .isInstanceOf(CertVerdict.Ok.class);
  }

  @Test
  void aDirectChainThatValidatesStaysOkWhenTheRelaysDoesNot() {
    TestPki.Ca unknown = TestPki.ca("CN=Unknown Root");
    X509Certificate odd = TestPki.leaf(unknown, "site.example", List.of("site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert());
    assertThat(check.judge("site.example", realChain, RelayChain.seen(List.of(odd))))
        .isInstanceOf(CertVerdict.Ok.class);
  }

  @Test
  void aForgedLeafShiftedSixHoursIsInterceptionEvenUnderATrustedRoot() {
    TestPki.Ca other = TestPki.ca("C=KZ, CN=Some Other Root");
    KeyPair kp = TestPki.keyPair();
    X509Certificate forged =
        TestPki.leaf(
            other,
            "site.example",
            List.of("site.example", "www.site.example"),
            kp,
            realLeaf.getNotBefore().toInstant().minus(6, ChronoUnit.HOURS),
            realLeaf.getNotAfter().toInstant().minus(6, ChronoUnit.HOURS));
    InterceptionCheck check = checkTrusting(publicCa.cert(), other.cert());
    CertVerdict v = check.judge("site.example", List.of(forged), RelayChain.seen(realChain));
    assertThat(v).isInstanceOf(CertVerdict.Mitm.class);
    assertThat(((CertVerdict.Mitm) v).evidence().text()).contains("validity 6 h earlier");
  }

  @Test
  void aCopiedLeafUnderAnInstalledUnknownRootIsInterception() {
    // The user installed an unlisted root: the forged chain validates and carries no known name.
    TestPki.Ca installed = TestPki.ca("C=US, CN=Friendly Security Root");
    X509Certificate forged =
        TestPki.leaf(installed, "site.example", List.of("site.example", "www.site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert(), installed.cert());
    assertThat(check.inspect("site.example", List.of(forged, installed.cert())).clean()).isTrue();
    CertVerdict v =
        check.judge("site.example", List.of(forged, installed.cert()), RelayChain.seen(realChain));
    assertThat(v).isInstanceOf(CertVerdict.Mitm.class);
    assertThat(((CertVerdict.Mitm) v).evidence().text())
        .isEqualTo(
            "leaf copies the relay's names with another key and issuer 'Friendly Security Root'"
                + " (relay: 'Honest TLS CA'); relay chain validates");
  }

  @Test
  void anotherKeyUnderTheSameIssuerIsARenewal() {
    X509Certificate renewed =
        TestPki.leaf(issuing, "site.example", List.of("site.example", "www.site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert());
    assertThat(
            check.judge(
                "site.example", List.of(renewed, issuing.cert()), RelayChain.seen(realChain)))
        .isInstanceOf(CertVerdict.Ok.class);
  }

  @Test
  void aDifferentCertificateWithOtherNamesIsNoCopy() {
    TestPki.Ca other = TestPki.ca("C=US, CN=Other CA");
    X509Certificate wildcard =
        TestPki.leaf(other, "*.site.example", List.of("*.site.example", "site.example"));
    InterceptionCheck check = checkTrusting(publicCa.cert(), other.cert());
    assertThat(
            check.judge(
                "site.example", List.of(wildcard, other.cert()), RelayChain.seen(realChain)))
        .isInstanceOf(CertVerdict.Ok.class);
  }

  @Test
  void theJvmTrustStoreLoadsAndRejectsATestRoot() {
    InterceptionCheck jvm = new InterceptionCheck(InterceptionCheck.jvmTrustManager(), clock);
    assertThat(InterceptionCheck.jvmTrustManager().getAcceptedIssuers()).isNotEmpty();
    assertThat(jvm.inspect("site.example", realChain).failure()).isPresent();
    assertThat(jvm.inspect("site.example", List.of()).failure()).contains("no certificate");
  }
}
