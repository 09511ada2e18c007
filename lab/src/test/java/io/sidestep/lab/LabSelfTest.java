package io.sidestep.lab;

import static io.sidestep.lab.LabPlan.BLOCK_PAGE;
import static io.sidestep.lab.LabPlan.HONEST_RESOLVER;
import static io.sidestep.lab.LabPlan.ISP_RESOLVER;
import static io.sidestep.lab.LabPlan.ISP_WAN;
import static io.sidestep.lab.LabPlan.NAMESPACES;
import static io.sidestep.lab.LabPlan.NS_RELAY1;
import static io.sidestep.lab.LabPlan.NS_RELAY2;
import static io.sidestep.lab.LabPlan.NS_USER;
import static io.sidestep.lab.LabPlan.USER;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Proves the lab itself, with plain curl, openssl and a DNS query tool and no Sidestep client:
 * every censorship technique really happens on the user host, the same sites are whole when seen
 * from the relay hosts, and the network uses only documentation addresses and has no way out. It
 * needs neither jar, and runs before the scenarios.
 */
@Order(1)
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.MethodName.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LabSelfTest {
  private static final Duration QUICK = Duration.ofSeconds(10);
  private static Lab lab;
  private static LabPlan plan;

  @BeforeEach
  void lab(Lab l) {
    lab = l;
    plan = l.plan;
  }

  @Test
  void s00_onlyDocumentationAddressesAndNoRouteOut() {
    for (String ns : NAMESPACES) {
      String addrs = Cmd.run(QUICK, "ip", "-n", ns, "-4", "-o", "addr", "show").orThrow().out();
      Matcher m = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/").matcher(addrs);
      while (m.find()) {
        assertThat(m.group(1))
            .as("address in %s", ns)
            .matches(
                "127\\.0\\.0\\.1|192\\.0\\.2\\.\\d+|198\\.51\\.100\\.\\d+|203\\.0\\.113\\.\\d+");
      }
      String routes = Cmd.run(QUICK, "ip", "-n", ns, "-4", "route", "show").orThrow().out();
      for (String route : routes.strip().lines().toList()) {
        assertThat(route)
            .as("route in %s leads only to documentation ranges", ns)
            .matches("(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.0/24 .*");
      }
      assertThat(Cmd.run(QUICK, "ip", "-n", ns, "-6", "route", "show").out())
          .as("IPv6 routes in %s", ns)
          .isBlank();
    }
  }

  @Test
  void s01_dnsNxdomain() {
    Site s = plan.site("t01");
    assertThat(ispAnswer(s).rcode()).as("ISP resolver answer for %s", s.name()).isEqualTo(3);
    assertHonest(s);
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as(v.describe()).isEqualTo(6); // could not resolve host
  }

  @Test
  void s02_dnsBogon() {
    Site s = plan.site("t02");
    assertThat(ispAnswer(s).addresses()).containsExactly("127.0.0.1");
    assertHonest(s);
    Visit v = user(s.url("self"));
    assertThat(v.exit())
        .as(v.describe())
        .isEqualTo(7); // nothing listens on the user's 127.0.0.1:443
  }

  @Test
  void s03_dnsBlockPageAddress() {
    Site s = plan.site("t03");
    assertThat(ispAnswer(s).addresses()).containsExactly(BLOCK_PAGE);
    assertHonest(s);
    Visit v = user(s.url("self"));
    assertThat(v.body()).as(v.describe()).contains(plan.blockPageMarker).doesNotContain(s.marker());
    Visit tls = user("https://" + s.name() + "/");
    assertThat(tls.exit())
        .as("the block page's certificate fails: " + tls.describe())
        .isEqualTo(60);
  }

  @Test
  void s04_dnsHijackOfThirdPartyResolver() {
    Site s = plan.site("t04");
    int ispMark = lab.ispDns.mark();
    int honestMark = lab.honestDns.mark();
    DnsQuery.Answer asked = lab.dns(NS_USER, HONEST_RESOLVER, s.name()).get(s.name());
    assertThat(asked.addresses())
        .as("the user asked the resolver abroad (%s) and got the ISP's forgery", HONEST_RESOLVER)
        .containsExactly(BLOCK_PAGE);
    assertThat(lab.ispDns.queriesFor(s.name(), ispMark))
        .as("the ISP resolver answered the question sent abroad")
        .isNotEmpty();
    assertThat(lab.honestDns.queriesFrom(USER, honestMark))
        .as("the resolver abroad never saw the user's question")
        .isEmpty();
    assertHonest(s);
  }

  @Test
  void s05_dropByAddress() {
    Site s = plan.site("t05");
    Visit v = user(s.url("self"), "--connect-timeout", "3");
    assertThat(v.exit()).as(v.describe()).isEqualTo(28);
    assertThat(v.tcpConnected()).as("never connected: " + v.describe()).isFalse();
    assertRelaysSee(s);
  }

  @Test
  void s06_rejectByAddress() {
    Site s = plan.site("t06");
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as(v.describe()).isEqualTo(7);
    assertThat(v.tcpConnected()).as("refused, never connected: " + v.describe()).isFalse();
    assertRelaysSee(s);
  }

  @Test
  void s07_resetAfterClientHello() {
    Site s = plan.site("t07");
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as(v.describe()).isIn(35, 56);
    assertThat(v.err()).as(v.describe()).containsIgnoringCase("reset");
    assertThat(v.tcpConnected()).as("TCP connected first: " + v.describe()).isTrue();
    assertSniSpecific(s);
    assertRelaysSee(s);
  }

  @Test
  void s08_silenceAfterClientHello() {
    Site s = plan.site("t08");
    Visit v = user(s.url("self"), "--max-time", "4");
    assertThat(v.exit()).as(v.describe()).isEqualTo(28);
    assertThat(v.tcpConnected()).as("TCP connected first: " + v.describe()).isTrue();
    assertThat(v.tlsHandshakeDone()).as("no handshake: " + v.describe()).isFalse();
    assertSniSpecific(s);
    assertRelaysSee(s);
  }

  @Test
  void s09_resetAfterHttpHost() {
    Site s = plan.site("t09");
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as(v.describe()).isEqualTo(56);
    assertThat(v.err()).as(v.describe()).containsIgnoringCase("reset");
    assertThat(v.tcpConnected()).as("TCP connected first: " + v.describe()).isTrue();
    Visit tls = user("https://" + s.name() + "/?visit=self-tls");
    assertThat(tls.body())
        .as("TLS to the same host is untouched: " + tls.describe())
        .contains(s.marker());
    assertRelaysSee(s);
  }

  @Test
  void s09_silenceAfterHttpHost() {
    Site s = plan.site("t09s");
    Visit v = user(s.url("self"), "--max-time", "4");
    assertThat(v.exit()).as(v.describe()).isEqualTo(28);
    assertThat(v.tcpConnected()).as("TCP connected first: " + v.describe()).isTrue();
    Visit tls = user("https://" + s.name() + "/?visit=self-tls");
    assertThat(tls.body())
        .as("TLS to the same host is untouched: " + tls.describe())
        .contains(s.marker());
    assertRelaysSee(s);
  }

  @Test
  void s10_blockPageInjected() {
    Site s = plan.site("t10");
    assertThat(ispAnswer(s).addresses()).as("DNS is honest here").containsExactly(s.ip());
    Visit v = user(s.url("self-injected"));
    assertThat(v.status()).as(v.describe()).isEqualTo(200);
    assertThat(v.body()).as(v.describe()).contains(plan.blockPageMarker).doesNotContain(s.marker());
    assertThat(lab.origins.visit("self-injected")).as("the origin never saw the request").isEmpty();
    assertRelaysSee(s);
  }

  @Test
  void s10_redirectToBlockPage() {
    Site s = plan.site("t10r");
    Visit v = user(s.url("self"));
    assertThat(v.status()).as(v.describe()).isEqualTo(302);
    assertThat(v.redirectUrl()).startsWith("http://" + plan.warningHost + "/");
    assertThat(lab.dns(NS_USER, ISP_RESOLVER, plan.warningHost).get(plan.warningHost).addresses())
        .containsExactly(BLOCK_PAGE);
    assertThat(lab.dns(NS_RELAY1, HONEST_RESOLVER, plan.warningHost).get(plan.warningHost).rcode())
        .as("the warning host does not exist outside the ISP")
        .isEqualTo(3);
    assertRelaysSee(s);
  }

  @Test
  void s11_interceptionNationalRoot() throws Exception {
    Site s = plan.site("t11");
    assertIntercepted(s, Certs.Ca.NATIONAL);
    assertThat(presented(s).getIssuerX500Principal().getName())
        .contains("CN=Qaznet Trust Network")
        .contains("C=KZ");
  }

  @Test
  void s11_interceptionUntrustedRoot() throws Exception {
    Site s = plan.site("t11u");
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as(v.describe()).isEqualTo(60);
    assertThat(presented(s).getIssuerX500Principal().getName()).contains("CN=Lab Unlisted Root CA");
    assertRelaysSee(s);
  }

  @Test
  void s11_interceptionInstalledRoot() throws Exception {
    Site s = plan.site("t11i");
    assertIntercepted(s, Certs.Ca.INSTALLED);
    X509Certificate fake = presented(s);
    X509Certificate real = Certs.read(lab.certs.leaf(s.id())).get(0);
    assertThat(fake.getSubjectX500Principal()).isEqualTo(real.getSubjectX500Principal());
    assertThat(List.copyOf(fake.getSubjectAlternativeNames()))
        .isEqualTo(List.copyOf(real.getSubjectAlternativeNames()));
    assertThat(real.getNotBefore().getTime() - fake.getNotBefore().getTime())
        .as("validity shifted 6 hours earlier")
        .isEqualTo(Duration.ofHours(6).toMillis());
    assertThat(fake.getPublicKey()).isNotEqualTo(real.getPublicKey());
  }

  @Test
  void s12_throttled() {
    Site s = plan.site("t12");
    Visit v = user(s.url("self"), "--max-time", "30");
    assertThat(v.body()).as(v.describe()).contains(s.marker());
    double rate = v.body().length() / v.seconds();
    System.out.printf(
        "self-test t12: %d bytes in %.2f s (%.0f kB/s) direct through the throttle%n",
        v.body().length(), v.seconds(), rate / 1000);
    // An upper bound on speed: a busy machine can only make the transfer slower, never faster.
    assertThat(rate)
        .as(
            "the throttle (%d kB/s) holds the transfer well under 3x its rate",
            LabPlan.THROTTLE_KBPS)
        .isLessThan(3.0 * LabPlan.THROTTLE_KBPS * 1000);
    assertRelaysSee(s);
  }

  @Test
  void s13_kzLocalServerIntercepts() throws Exception {
    Site s = plan.site("kz1");
    assertIntercepted(s, Certs.Ca.NATIONAL);
    Visit plain = user("http://" + s.name() + "/?visit=self-kz-plain");
    assertThat(plain.body()).as(plain.describe()).contains(s.marker());
    assertThat(lab.origins.paths("self-kz-plain"))
        .as("plain HTTP to the .kz site also goes through the local server")
        .containsExactly("isp-interceptor");
  }

  @Test
  void s14_openSitesAreClean() {
    for (String id : List.of("open", "kz2", "target")) {
      Site s = plan.site(id);
      String tag = "self-open-" + id;
      Visit v = user(s.url(tag));
      assertThat(v.body()).as(v.describe()).contains(s.marker());
      assertThat(lab.origins.paths(tag)).containsExactly("direct");
      assertThat(ispAnswer(s).addresses()).containsExactly(s.ip());
    }
  }

  @Test
  void s15_controlDownForEveryone() {
    Site refused = plan.site("down");
    Site silent = plan.site("dark");
    for (String ns : List.of(NS_USER, NS_RELAY1)) {
      Visit r = lab.visits.direct(ns, refused.url("self"), QUICK);
      assertThat(r.exit()).as(r.describe()).isEqualTo(7);
      Visit d = lab.visits.direct(ns, silent.url("self"), QUICK, "--connect-timeout", "3");
      assertThat(d.exit()).as(d.describe()).isEqualTo(28);
    }
  }

  @Test
  void s16_controlExpiredForEveryone() {
    Site s = plan.site("expired");
    for (String ns : List.of(NS_USER, NS_RELAY1)) {
      Visit v = lab.visits.direct(ns, s.url("self"), QUICK);
      assertThat(v.exit()).as(v.describe()).isEqualTo(60);
      assertThat(v.err()).as(v.describe()).containsIgnoringCase("expired");
      Visit k = lab.visits.direct(ns, s.url("self-k"), QUICK, "-k");
      assertThat(k.body()).as(k.describe()).contains(s.marker());
    }
  }

  @Test
  void s17_controlLegitimateRedirect() {
    Site s = plan.site("moved");
    Site target = plan.redirectTarget();
    for (String ns : List.of(NS_USER, NS_RELAY1)) {
      Visit v = lab.visits.direct(ns, s.url("self"), QUICK);
      assertThat(v.status()).as(v.describe()).isEqualTo(301);
      assertThat(v.redirectUrl()).isEqualTo("https://" + target.name() + "/?visit=self");
      Visit followed = lab.visits.direct(ns, s.url("self-follow"), QUICK, "-L");
      assertThat(followed.body()).as(followed.describe()).contains(target.marker());
    }
  }

  @Test
  void s99_relayHostsSeeTheRealSites() {
    for (String ns : List.of(NS_RELAY1, NS_RELAY2)) {
      List<String> argv = new ArrayList<>(List.of("getent", "ahostsv4"));
      plan.sites().forEach(s -> argv.add(s.name()));
      String hosts = Cmd.run(QUICK, Cmd.netns(ns, argv)).orThrow().out();
      for (Site s : plan.sites()) {
        assertThat(hosts)
            .as("%s resolves %s through its resolver (the honest one)", ns, s.name())
            .containsPattern(Pattern.quote(s.ip()) + "\\s+STREAM " + Pattern.quote(s.name()));
      }
      for (Site s : plan.liveSites()) {
        if (s.technique() == CensorAction.EXPIRED_CERTIFICATE
            || s.technique() == CensorAction.LEGITIMATE_REDIRECT
            || s.technique() == CensorAction.SLOW_BACKEND) {
          continue; // s16 and s17 cover the first two; the slow one takes longer than QUICK
        }
        String tag = "self-" + ns + "-" + s.id();
        Visit v = lab.visits.direct(ns, "https://" + s.name() + "/?visit=" + tag, QUICK);
        assertThat(v.body()).as(v.describe()).contains(s.marker());
        assertThat(lab.origins.paths(tag))
            .containsExactly(ns.equals(NS_RELAY1) ? "relay1" : "relay2");
      }
    }
  }

  private DnsQuery.Answer ispAnswer(Site s) {
    return lab.dns(NS_USER, ISP_RESOLVER, s.name()).get(s.name());
  }

  /** The honest resolver, asked from a relay host, gives the real address. */
  private void assertHonest(Site s) {
    DnsQuery.Answer a = lab.dns(NS_RELAY1, HONEST_RESOLVER, s.name()).get(s.name());
    assertThat(a.addresses()).as("honest answer for %s", s.name()).containsExactly(s.ip());
  }

  private void assertRelaysSee(Site s) {
    String tag = "self-relay-" + s.id();
    Visit v = lab.visits.direct(NS_RELAY1, s.url(tag), QUICK);
    assertThat(v.body()).as("from relay1 the site is whole: " + v.describe()).contains(s.marker());
  }

  /** Another SNI to the same address passes, and plain HTTP to the same host passes. */
  private void assertSniSpecific(Site s) {
    String other = "unlisted." + plan.run + ".test";
    Visit v =
        user(
            "https://" + other + "/?visit=self-othersni",
            "-k",
            "--resolve",
            other + ":443:" + s.ip());
    assertThat(v.body()).as("same address, other SNI: " + v.describe()).contains(s.marker());
    Visit plain = user("http://" + s.name() + "/?visit=self-plain");
    assertThat(plain.body()).as("plain HTTP: " + plain.describe()).contains(s.marker());
  }

  private void assertIntercepted(Site s, Certs.Ca ca) {
    Visit v = user(s.url("self"));
    assertThat(v.exit()).as("the public root does not vouch for it: " + v.describe()).isEqualTo(60);
    String tag = "self-trusting-" + s.id();
    Visit trusting = user(s.url(tag), "--cacert", lab.certs.ca(ca).toString());
    assertThat(trusting.body())
        .as("a user who installed the interceptor's root sees the page: " + trusting.describe())
        .contains(s.marker());
    assertThat(lab.origins.paths(tag))
        .as("the origin saw the ISP's interceptor, not the user")
        .containsExactly("isp-interceptor");
    assertThat(ISP_WAN).isNotEqualTo(USER);
    assertRelaysSee(s);
  }

  /** The leaf certificate the user host is shown for the site. */
  private X509Certificate presented(Site s) throws Exception {
    Cmd.Result r =
        Cmd.inNs(
            NS_USER,
            Duration.ofSeconds(15),
            "bash",
            "-c",
            "timeout 10 openssl s_client -connect %s:443 -servername %s -showcerts </dev/null"
                .formatted(s.ip(), s.name()));
    Matcher m =
        Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL)
            .matcher(r.out());
    assertThat(m.find()).as("a certificate from %s: %s", s.name(), r.describe()).isTrue();
    return Certs.parse(m.group()).get(0);
  }

  private Visit user(String url, String... extra) {
    Visit v = lab.visits.direct(NS_USER, url, QUICK, extra);
    System.out.println("self-test: " + v.describe());
    return v;
  }
}
