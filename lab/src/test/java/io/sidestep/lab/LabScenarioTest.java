package io.sidestep.lab;

import static io.sidestep.lab.LabPlan.RELAY1;
import static io.sidestep.lab.LabPlan.USER;
import static io.sidestep.lab.Visits.Door.HTTP;
import static io.sidestep.lab.Visits.Door.SOCKS;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Drives the packaged client and relays through the censored lab, the way a user's browser would,
 * and checks each scenario the way an auditor would: the page arrived (its marker), the path it
 * took (the origin's access log: the user's address or a relay's), what {@code learned.rules} says,
 * and, for hosts routed to a relay, that the ISP's resolver saw no lookup of the name after
 * routing. Each scenario visits its own host through the HTTP door first (the timed first visit),
 * then through the SOCKS5 door, and some with headless Chromium through the client's PAC file.
 *
 * <p>These tests state the intended behaviour of detection. {@link #t00_relayByRule} needs no
 * detection: a {@code DOMAIN,…,RELAY} rule proves client and relays end to end.
 */
@Order(2)
@ExtendWith(LabExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LabScenarioTest {
  private static final Duration LEARN_WAIT = Duration.ofSeconds(3);
  private static final Summary SUMMARY = new Summary();
  private static final Set<String> TAGS = ConcurrentHashMap.newKeySet();
  private static Lab lab;
  private static LabPlan plan;

  @BeforeEach
  void lab(Lab l) {
    lab = l;
    plan = l.plan;
    l.assumeJars();
  }

  @AfterAll
  static void printSummary() throws IOException {
    if (lab == null) {
      return;
    }
    String table = SUMMARY.table();
    System.out.println("\nSidestep lab scenarios (run " + plan.run + "):\n" + table);
    Files.writeString(lab.runDir.resolve("summary.md"), table);
  }

  /** A user rule sends three censored hosts to the relay: no detection needed. */
  @Test
  @Order(1)
  void t00_relayByRule() {
    Site sni = plan.site("t07");
    Site nx = plan.site("t01");
    Site host = plan.site("t09");
    Site open = plan.site("open");
    SidestepClient client =
        lab.client(
            new SidestepClient.Spec(
                "rule",
                8082,
                1082,
                LabPlan.ISP_RESOLVER,
                List.of(
                    "DOMAIN," + sni.name() + ",RELAY",
                    "DOMAIN," + nx.name() + ",RELAY",
                    "DOMAIN," + host.name() + ",RELAY")));
    int dnsMark = lab.ispDns.mark();
    for (Site s : List.of(sni, nx, host)) {
      Check c = new Check("t00_relayByRule", s, client);
      c.visitBothDoors("rule-" + s.id());
      if (s == sni) {
        c.chromium("rule-" + s.id());
      }
      c.arrived();
      c.pathsAre("1st visit", c.first, Set.of("relay1", "relay2"));
      c.pathsAre("2nd visit", c.second, Set.of("relay1", "relay2"));
      c.soft
          .assertThat(lab.ispDns.queriesFor(s.name(), dnsMark))
          .as("a name a rule sends to the relay never reaches the local resolver")
          .isEmpty();
      c.soft
          .assertThat(client.learnedLinesMentioning(s.name()))
          .as("a rule decided it; nothing to learn")
          .isEmpty();
      c.done();
    }
    Check o = new Check("t00_relayByRule", open, client);
    o.visitBothDoors("rule-open");
    o.arrived();
    o.pathsAre("1st visit", o.first, Set.of("direct"));
    o.pathsAre("2nd visit", o.second, Set.of("direct"));
    o.done();
  }

  @Test
  @Order(2)
  void t00_noCensorship() {
    open("t00_noCensorship", "open", true);
  }

  @Test
  @Order(3)
  void t01_dnsNxdomain() {
    censored("t01_dnsNxdomain", "t01", Lab.MAIN, false);
  }

  @Test
  @Order(4)
  void t02_dnsBogon() {
    censored("t02_dnsBogon", "t02", Lab.MAIN, false);
  }

  @Test
  @Order(5)
  void t03_dnsBlockPageAddress() {
    censored("t03_dnsBlockPageAddress", "t03", Lab.MAIN, false);
  }

  /** The user set a resolver abroad; the ISP hijacks port 53 and answers for it. */
  @Test
  @Order(6)
  void t04_dnsHijackOfThirdPartyResolver() {
    Site s = plan.site("t04");
    int ispMark = lab.ispDns.mark();
    int honestMark = lab.honestDns.mark();
    Check c = censoredCheck("t04_dnsHijackOfThirdPartyResolver", s, Lab.THIRD_PARTY_DNS, false);
    c.soft
        .assertThat(lab.ispDns.queriesFor(s.name(), ispMark))
        .as(
            "the client's question to %s was answered by the ISP (the hijack happened)",
            LabPlan.HONEST_RESOLVER)
        .isNotEmpty();
    c.soft
        .assertThat(lab.honestDns.queriesFrom(USER, honestMark))
        .as("the resolver abroad never heard from the user")
        .isEmpty();
    c.done();
  }

  @Test
  @Order(7)
  void t05_dropByAddress() {
    censored("t05_dropByAddress", "t05", Lab.MAIN, false);
  }

  @Test
  @Order(8)
  void t06_rejectByAddress() {
    censored("t06_rejectByAddress", "t06", Lab.MAIN, false);
  }

  @Test
  @Order(9)
  void t07_resetAfterClientHello() {
    censored("t07_resetAfterClientHello", "t07", Lab.MAIN, true);
  }

  @Test
  @Order(10)
  void t08_silenceAfterClientHello() {
    censored("t08_silenceAfterClientHello", "t08", Lab.MAIN, false);
  }

  @Test
  @Order(11)
  void t09_resetAfterHttpHost() {
    censored("t09_resetAfterHttpHost", "t09", Lab.MAIN, false);
  }

  @Test
  @Order(12)
  void t09_silenceAfterHttpHost() {
    censored("t09_silenceAfterHttpHost", "t09s", Lab.MAIN, false);
  }

  @Test
  @Order(13)
  void t10_blockPageInjected() {
    censored("t10_blockPageInjected", "t10", Lab.MAIN, false);
  }

  @Test
  @Order(14)
  void t10_redirectToBlockPage() {
    censored("t10_redirectToBlockPage", "t10r", Lab.MAIN, false);
  }

  @Test
  @Order(15)
  void t11_interceptionNationalRoot() {
    censored("t11_interceptionNationalRoot", "t11", Lab.MAIN, true);
  }

  @Test
  @Order(16)
  void t11_interceptionUntrustedRoot() {
    censored("t11_interceptionUntrustedRoot", "t11u", Lab.MAIN, false);
  }

  /**
   * An unlisted root the user installed: the chain validates, so only comparing the leaf with the
   * relay's exposes it.
   */
  @Test
  @Order(17)
  void t11_interceptionInstalledRoot() {
    censored("t11_interceptionInstalledRoot", "t11i", Lab.MAIN, false);
  }

  /** Throttling is learned from a slow transfer, so the first visit may still go direct. */
  @Test
  @Order(18)
  void t12_throttled() {
    Site s = plan.site("t12");
    Check c = new Check("t12_throttled", s, lab.client(Lab.MAIN));
    c.warmUp();
    c.first = c.visit(HTTP, "t12-1");
    c.soft
        .assertThat(c.client.awaitLearnedRelayEntry(s.name(), LEARN_WAIT))
        .as("a transfer far slower than through the relay is learned as throttled")
        .isPresent();
    int dnsMark = lab.ispDns.mark();
    c.second = c.visit(SOCKS, "t12-2");
    c.arrived();
    c.pathsAre("2nd visit", c.second, Set.of("relay1", "relay2"));
    c.noLookupsAfter(dnsMark);
    c.done();
  }

  @Test
  @Order(19)
  void kz_localServerIntercepts() {
    censored("kz_localServerIntercepts", "kz1", Lab.MAIN, true);
  }

  @Test
  @Order(20)
  void kz_leftAloneGoesDirect() {
    open("kz_leftAloneGoesDirect", "kz2", false);
  }

  /** Nothing listens, for anyone: an outage, not censorship. */
  @Test
  @Order(21)
  void control_downEverywhereRefused() {
    down("control_downEverywhereRefused", "down");
  }

  /** The origin drops everything, for anyone: timeouts like 5 and 8, but no relay succeeds. */
  @Test
  @Order(22)
  void control_downEverywhereSilent() {
    down("control_downEverywhereSilent", "dark");
  }

  /** Broken for everyone: the user sees the certificate error, and nothing is learned. */
  @Test
  @Order(23)
  void control_certificateExpiredForEveryone() {
    Site s = plan.site("expired");
    Check c = new Check("control_certificateExpiredForEveryone", s, lab.client(Lab.MAIN));
    c.warmUp();
    c.first = c.visit(HTTP, "expired-1");
    c.soft
        .assertThat(c.first.exit())
        .as("curl reports the expired certificate: " + c.first.describe())
        .isEqualTo(60);
    c.second = c.visit(SOCKS, "expired-2", "-k");
    c.soft
        .assertThat(c.second.body())
        .as("ignoring the certificate, the page loads: " + c.second.describe())
        .contains(s.marker());
    c.pathsAre("2nd visit (-k)", c.second, Set.of("direct"));
    c.learnedNothing();
    c.done();
  }

  /** A site that moved to another host: a redirect is not a block page. */
  @Test
  @Order(24)
  void control_legitimateRedirect() {
    Site s = plan.site("moved");
    Site target = plan.redirectTarget();
    Check c = new Check("control_legitimateRedirect", s, lab.client(Lab.MAIN));
    c.warmUp();
    c.first = c.visit(HTTP, "moved-1", "-L");
    c.second = c.visit(SOCKS, "moved-2", "-L");
    for (Visit v : List.of(c.first, c.second)) {
      c.soft
          .assertThat(v.body())
          .as("followed to the new host: " + v.describe())
          .contains(target.marker());
    }
    c.pathsAre("1st visit", c.first, Set.of("direct"));
    c.pathsAre("2nd visit", c.second, Set.of("direct"));
    c.learnedNothing();
    c.soft
        .assertThat(c.client.learnedLinesMentioning(target.name()))
        .as("learned.rules mentions the redirect target")
        .isEmpty();
    c.done();
  }

  /**
   * The censor blocks relay1 in the middle of the run (technique 13). A host learned earlier and a
   * newly censored host both load through relay2, and the relay's failure teaches nothing.
   */
  @Test
  @Order(25)
  void t13_firstRelayBlockedMidRun() {
    SidestepClient client = lab.client(Lab.MAIN);
    Site known = plan.site("t07");
    Site fresh = plan.site("t13");
    Set<String> learnedBefore = learnedHosts(client);
    lab.blockAtIsp(RELAY1, true);
    try {
      Check k = new Check("t13_firstRelayBlockedMidRun", known, client);
      k.warmUp();
      k.first = k.visit(HTTP, "t13-known-1");
      k.second = k.visit(SOCKS, "t13-known-2");
      k.arrived();
      k.pathsAre("1st visit", k.first, Set.of("relay2"));
      k.pathsAre("2nd visit", k.second, Set.of("relay2"));
      k.done();

      Check c = censoredCheck("t13_firstRelayBlockedMidRun", fresh, Lab.MAIN, false);
      c.pathsAre("1st visit", c.first, Set.of("relay2"));
      Set<String> learnedNow = learnedHosts(client);
      learnedNow.removeAll(learnedBefore);
      learnedNow.remove(fresh.name());
      c.soft
          .assertThat(learnedNow)
          .as("a blocked relay is not a blocked site: nothing else was learned")
          .isEmpty();
      c.done();
    } finally {
      lab.blockAtIsp(RELAY1, false);
    }
  }

  /**
   * The open site over plain HTTP: its answer is an ordinary 200, which could not be a censor's, so
   * the relay never sees it; the origin's access log shows direct visits only.
   */
  @Test
  @Order(26)
  void privacy_openSiteOverPlainHttp() {
    Check c =
        new Check(
            "privacy_openSiteOverPlainHttp",
            plan.site("open").withScheme("http"),
            lab.client(Lab.MAIN));
    c.warmUp();
    c.visitBothDoors("open-http");
    c.arrived();
    c.pathsAre("1st visit (no request from a relay)", c.first, Set.of("direct"));
    c.pathsAre("2nd visit (no request from a relay)", c.second, Set.of("direct"));
    c.learnedNothing();
    c.done();
  }

  /**
   * A plain-HTTP redirect to another host of the same registrable domain ({@code moved} to {@code
   * target}, both under the run's domain) is not a censor's: neither host ever sees the relay.
   */
  @Test
  @Order(27)
  void privacy_legitimateRedirectOverPlainHttp() {
    Site s = plan.site("moved").withScheme("http");
    Site target = plan.redirectTarget();
    Check c = new Check("privacy_legitimateRedirectOverPlainHttp", s, lab.client(Lab.MAIN));
    c.warmUp();
    c.first = c.visit(HTTP, "moved-http-1", "-L");
    c.second = c.visit(SOCKS, "moved-http-2", "-L");
    for (Visit v : List.of(c.first, c.second)) {
      c.soft
          .assertThat(v.body())
          .as("followed to the new host: " + v.describe())
          .contains(target.marker());
    }
    c.pathsAre("1st visit (no request from a relay)", c.first, Set.of("direct"));
    c.pathsAre("2nd visit (no request from a relay)", c.second, Set.of("direct"));
    c.learnedNothing();
    c.done();
  }

  /**
   * A backend that answers after 5 s to everyone, past the 3 s first-read timeout, over plain HTTP:
   * the relay races the direct path, the direct answer comes first, and nothing is learned.
   */
  @Test
  @Order(28)
  void control_slowBackendOverHttp() {
    slow("control_slowBackendOverHttp", plan.site("slow"), "slow-http");
  }

  /** The same slow backend over HTTPS: the handshake is quick, so nothing is even suspected. */
  @Test
  @Order(29)
  void control_slowBackendOverHttps() {
    slow("control_slowBackendOverHttps", plan.site("slow").withScheme("https"), "slow-https");
  }

  /**
   * Throttling as on real video and file sites: over HTTPS, {@code /} is a small page and the large
   * file is at a deep path the client cannot see. The user's curl gives up on the download after 20
   * s; detection learns the host from that transfer while it runs, and the third download goes
   * through the relay, whole.
   */
  @Test
  @Order(30)
  void t12_throttledLargeFileAtADeepPath() {
    Site s = plan.site("t12f");
    Check c = new Check("t12_throttledLargeFileAtADeepPath", s, lab.client(Lab.MAIN));
    c.warmUp();
    c.first = c.visit(HTTP, "t12f-page");
    Visit[] downloads = new Visit[3];
    int dnsMark = 0;
    for (int i = 0; i < 3; i++) {
      downloads[i] = c.visitFile(HTTP, LabPlan.LARGE_FILE_PATH, "t12f-file-" + (i + 1));
      if (i == 0) {
        Optional<SidestepClient.Learned> learned =
            c.client.awaitLearnedRelayEntry(s.name(), LEARN_WAIT);
        c.soft
            .assertThat(learned)
            .as("the slow download is learned as throttled, with the rates")
            .isPresent()
            .hasValueSatisfying(
                l ->
                    c.soft
                        .assertThat(l.line())
                        .contains("technique=12 throttled")
                        .contains("evidence=direct ")
                        .contains(" vs relay "));
        dnsMark = lab.ispDns.mark();
      }
    }
    Visit third = downloads[2];
    c.second = third;
    System.out.printf(
        "t12_throttledLargeFileAtADeepPath: page %.2f s; downloads %.2f s (exit %d, %d bytes),"
            + " %.2f s (exit %d, %d bytes), %.2f s (exit %d, %d bytes)%n",
        c.first.seconds(),
        downloads[0].seconds(),
        downloads[0].exit(),
        downloads[0].body().length(),
        downloads[1].seconds(),
        downloads[1].exit(),
        downloads[1].body().length(),
        third.seconds(),
        third.exit(),
        third.body().length());
    c.soft
        .assertThat(third.exit())
        .as("the third download completes: " + third.describe())
        .isZero();
    c.soft
        .assertThat(third.body().length())
        .as("the whole file came: " + third.describe())
        .isEqualTo(LabPlan.LARGE_FILE_BYTES);
    c.arrived();
    c.pathsAre("1st visit (the page)", c.first, Set.of("direct"));
    c.pathsAre("3rd download", third, Set.of("relay1", "relay2"));
    c.noLookupsAfter(dnsMark);
    c.done();
  }

  private void slow(String scenario, Site s, String tagPrefix) {
    Check c = new Check(scenario, s, lab.client(Lab.MAIN));
    c.warmUp();
    c.visitBothDoors(tagPrefix);
    c.arrived();
    // The relay may have been asked (it raced the silent direct path), but the user's page came
    // direct, and a site slow for everyone is not censorship.
    Set<String> any = Set.of("direct", "relay1", "relay2");
    c.pathsAre("1st visit", c.first, any);
    c.pathsAre("2nd visit", c.second, any);
    for (Visit v : List.of(c.first, c.second)) {
      c.soft
          .assertThat(lab.origins.paths(Check.tag(v)))
          .as("the page of %s came direct: %s", s.name(), v.describe())
          .contains("direct");
    }
    c.learnedNothing();
    c.done();
  }

  // ---- the flows ------------------------------------------------------------------------------

  /** An open site: direct both times, nothing learned. */
  private void open(String scenario, String siteId, boolean chromium) {
    Site s = plan.site(siteId);
    Check c = new Check(scenario, s, lab.client(Lab.MAIN));
    c.warmUp();
    c.visitBothDoors(siteId);
    if (chromium) {
      c.chromium(siteId);
    }
    c.arrived();
    c.pathsAre("1st visit", c.first, Set.of("direct"));
    c.pathsAre("2nd visit", c.second, Set.of("direct"));
    if (c.browser != null) {
      c.pathsAre("Chromium visit", c.browser, Set.of("direct"));
    }
    c.learnedNothing();
    c.done();
  }

  /** A censored site: the real page on the first visit, through a relay, learned, no DNS leak. */
  private void censored(
      String scenario, String siteId, SidestepClient.Spec spec, boolean chromium) {
    censoredCheck(scenario, plan.site(siteId), spec, chromium).done();
  }

  private Check censoredCheck(String scenario, Site s, SidestepClient.Spec spec, boolean chromium) {
    Check c = new Check(scenario, s, lab.client(spec));
    c.warmUp();
    c.first = c.visit(HTTP, s.id() + "-1");
    Optional<SidestepClient.Learned> learned =
        c.client.awaitLearnedRelayEntry(s.name(), LEARN_WAIT);
    int dnsMark = lab.ispDns.mark();
    c.second = c.visit(SOCKS, s.id() + "-2");
    if (chromium) {
      c.chromium(s.id());
    }
    c.arrived();
    Set<String> relays = Set.of("relay1", "relay2");
    c.pathsAre("1st visit", c.first, relays);
    c.pathsAre("2nd visit", c.second, relays);
    if (c.browser != null) {
      c.pathsAre("Chromium visit", c.browser, relays);
    }
    c.soft
        .assertThat(learned)
        .as("learned.rules routes %s to the relay after the first visit", s.name())
        .isPresent();
    c.noLookupsAfter(dnsMark);
    return c;
  }

  /** Down for everyone: no page, the origin saw nothing, nothing learned. */
  private void down(String scenario, String siteId) {
    Site s = plan.site(siteId);
    Check c = new Check(scenario, s, lab.client(Lab.MAIN));
    c.warmUp();
    c.visitBothDoors(siteId);
    for (Visit v : List.of(c.first, c.second)) {
      c.soft
          .assertThat(v.shows(s.marker()))
          .as("no page from a dead site: " + v.describe())
          .isFalse();
      c.soft
          .assertThat(v.exit())
          .as(
              "the client answers (with an error) before curl's own %d s limit: %s",
              Visits.MAX_TIME.toSeconds(), v.describe())
          .isNotEqualTo(28);
    }
    c.learnedNothing();
    // A relay that answered but could not reach a dead origin is not a dead relay.
    Site relayed = plan.site("t07");
    String tag = "after-" + siteId;
    Check.claim(tag);
    Visit after = lab.visits.viaClient(c.client, SOCKS, relayed.url(tag));
    System.out.println(
        scenario + ": " + after.describe() + " -> origin saw " + lab.origins.pathWord(tag));
    c.soft
        .assertThat(after.body())
        .as(
            "right after the dead site, %s (learned in t07) still loads through a relay: %s",
            relayed.name(), after.describe())
        .contains(relayed.marker());
    c.soft
        .assertThat(lab.origins.paths(tag))
        .as("path of %s right after the dead site", relayed.name())
        .isNotEmpty()
        .isSubsetOf(Set.of("relay1", "relay2"));
    c.done();
  }

  private static Set<String> learnedHosts(SidestepClient client) {
    Set<String> hosts = new HashSet<>();
    client.learned().forEach(e -> hosts.add(e.value().toLowerCase()));
    return hosts;
  }

  /** One scenario's visits and soft checks for one site, and its row in the summary. */
  private static final class Check {
    final String scenario;
    final Site site;
    final SidestepClient client;
    final SoftAssertions soft = new SoftAssertions();
    final int logMark;
    int connections; // connections this check made to the site, for learnedNothing
    Visit first;
    Visit second;
    Visit browser;

    Check(String scenario, Site site, SidestepClient client) {
      this.scenario = scenario;
      this.site = site;
      this.client = client;
      this.logMark = client.logMark();
    }

    /**
     * Loads the open site first, as a user who is browsing would, so the client has seen that the
     * network works before the censored host (a client may rightly blame no site while every direct
     * connection fails).
     */
    void warmUp() {
      Site open = plan.site("open");
      if (open.name().equals(site.name())) {
        connections++;
      }
      lab.visits.viaClient(client, HTTP, open.url("warmup-" + scenario + "-" + site.id()));
    }

    Visit visit(Visits.Door door, String tag, String... extra) {
      claim(tag);
      connections++;
      Visit v = lab.visits.viaClient(client, door, site.url(tag), extra);
      System.out.println(scenario + ": " + v.describe() + " -> origin saw " + path(v));
      return v;
    }

    /** A visit of the file at {@code path} rather than the page. */
    Visit visitFile(Visits.Door door, String path, String tag) {
      claim(tag);
      connections++;
      Visit v = lab.visits.viaClient(client, door, site.url(path, tag));
      System.out.println(scenario + ": " + v.describe() + " -> origin saw " + path(v));
      return v;
    }

    void visitBothDoors(String tagPrefix) {
      first = visit(HTTP, tagPrefix + "-1");
      second = visit(SOCKS, tagPrefix + "-2");
    }

    void chromium(String tagPrefix) {
      claim(tagPrefix + "-3");
      connections++;
      browser = lab.visits.chromium(client, site.url(tagPrefix + "-3"));
      System.out.println(scenario + ": " + browser.describe() + " -> origin saw " + path(browser));
    }

    void arrived() {
      for (Visit v : visitsMade()) {
        soft.assertThat(v.body())
            .as("the real page of %s arrived: %s", site.name(), v.describe())
            .contains(site.marker());
      }
    }

    void pathsAre(String which, Visit v, Set<String> allowed) {
      Set<String> paths = lab.origins.paths(tag(v));
      soft.assertThat(paths)
          .as("%s of %s: the origin saw %s (allowed: %s)", which, site.name(), paths, allowed)
          .isNotEmpty()
          .isSubsetOf(allowed);
    }

    /**
     * Nothing was learned about the site. Checked only once the client has logged the end of every
     * connection this check made to it: detection judges a connection before its line is written,
     * so a host learned from these visits would be in the log by then (and in the file a moment
     * later).
     */
    void learnedNothing() {
      int ended =
          client.awaitConnectionsEnded(site.name(), logMark, connections, Duration.ofSeconds(15));
      soft.assertThat(ended)
          .as(
              "the client logged the end of the %d connections to %s (seen: %d)",
              connections, site.name(), ended)
          .isGreaterThanOrEqualTo(connections);
      String learnedLine = "learned " + site.name().toLowerCase(Locale.ROOT) + ":";
      soft.assertThat(client.logLinesAfter(logMark))
          .as("the client's log must not say it learned %s", site.name())
          .noneMatch(l -> l.toLowerCase(Locale.ROOT).contains(learnedLine));
      soft.assertThat(client.learnedLinesMentioning(site.name()))
          .as("learned.rules must not mention %s", site.name())
          .isEmpty();
    }

    void noLookupsAfter(int dnsMark) {
      soft.assertThat(lab.ispDns.queriesFor(site.name(), dnsMark))
          .as("once routed to the relay, %s never reaches the ISP resolver", site.name())
          .isEmpty();
    }

    /** Records the summary row, then fails with every failed check at once. */
    void done() {
      Daemon.sleep(200);
      String learned =
          client.learnedRelayEntry(site.name()).isPresent()
              ? "yes"
              : client.learnedLinesMentioning(site.name()).isEmpty() ? "no" : "other";
      String result = soft.errorsCollected().isEmpty() ? "pass" : "FAIL";
      SUMMARY.add(
          new Summary.Row(
              scenario,
              site.name(),
              first == null ? -1 : first.seconds(),
              first == null ? "-" : path(first),
              second == null ? "-" : path(second),
              learned,
              result));
      if (!client.alive()) {
        soft.fail("the client exited; its log:\n" + client.logTail());
      }
      soft.assertAll();
    }

    private List<Visit> visitsMade() {
      List<Visit> all = new ArrayList<>();
      for (Visit v : new Visit[] {first, second, browser}) {
        if (v != null) {
          all.add(v);
        }
      }
      return all;
    }

    /** A visit's tag finds its requests in the origin log, so no two visits may share one. */
    static void claim(String tag) {
      if (!TAGS.add(tag)) {
        throw new IllegalStateException("visit tag used twice: " + tag);
      }
    }

    static String tag(Visit v) {
      int i = v.url().indexOf("visit=");
      return v.url().substring(i + "visit=".length());
    }

    private static String path(Visit v) {
      return lab.origins.pathWord(tag(v));
    }
  }
}
