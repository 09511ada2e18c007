package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** User rules, then learned entries, then AUTO; and names in every spelling. */
class RulesPrecedenceTest {
  @TempDir Path dir;

  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

  private static final String LEARNED =
      "# written by detection\n"
          + "DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms after"
          + " ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z;"
          + " expires=2026-12-04T18:00:00Z\n"
          + "DOMAIN,user.example,RELAY # technique=7 tls-reset; expires=2026-12-04T18:00:00Z\n"
          + "DOMAIN,old.example,RELAY # technique=5; expires=2026-11-29T00:00:00Z\n"
          + "DOMAIN,auto.example,RELAY # technique=1 dns; expires=2026-12-04T18:00:00Z\n"
          + "DOMAN,typo.example,RELAY # machine-written but broken\n"
          + "DOMAIN,badexpiry.example,RELAY # expires=tomorrow\n"
          + "DOMAIN,after-broken.example,RELAY # technique=6\n";

  private Rules load(String rules) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, rules);
    Files.writeString(dir.resolve("learned.rules"), LEARNED);
    return Rules.load(f, dir.resolve("learned.rules"), NOW);
  }

  private static Destination d(String host) {
    return Destination.parse(host, 443);
  }

  @Test
  void learnedEntryAppliesWithItsEvidence() throws IOException {
    Rules r = load("DOMAIN,other.example,DIRECT\n");
    Decision dec = r.decide(d("blocked.example"));
    assertThat(dec.action()).isEqualTo(Action.RELAY);
    assertThat(dec.reason())
        .startsWith("learned: " + dir.resolve("learned.rules") + ":2: DOMAIN,blocked.example,RELAY")
        .contains("technique=8 tls-silence; evidence=no byte 3000 ms after ClientHello");
  }

  @Test
  void learnedNeverOverridesAUserRule() throws IOException {
    Rules r = load("DOMAIN-SUFFIX,user.example,DIRECT\n");
    assertThat(r.decide(d("user.example")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("user.example")).reason()).contains("rules.txt:1:");
  }

  @Test
  void aUserAutoRuleLetsDetectionsMemoryDecide() throws IOException {
    Rules r = load("DOMAIN,auto.example,AUTO\nDOMAIN,plain-auto.example,AUTO\nMATCH,AUTO\n");
    assertThat(r.decide(d("auto.example")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("auto.example")).reason()).startsWith("learned: ");
    assertThat(r.decide(d("plain-auto.example")).reason()).contains("rules.txt:2:");
    assertThat(r.decide(d("blocked.example")).action())
        .as("MATCH,AUTO keeps learned entries in force")
        .isEqualTo(Action.RELAY);
  }

  @Test
  void nothingMatchesMeansAuto() throws IOException {
    Rules r = load("");
    assertThat(r.decide(d("unknown.example"))).isEqualTo(Decision.auto());
    assertThat(Decision.auto().reason()).isEqualTo("no rule: detection decides");
  }

  @Test
  void expiredAndMalformedLearnedEntriesAreSkipped() throws IOException {
    Rules r = load("");
    assertThat(r.decide(d("old.example")).action()).as("expired").isEqualTo(Action.AUTO);
    assertThat(r.decide(d("typo.example")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("badexpiry.example")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("after-broken.example")).action())
        .as("a bad line does not stop the lines after it")
        .isEqualTo(Action.RELAY);
    assertThat(r.warnings())
        .hasSize(2)
        .anySatisfy(w -> assertThat(w).contains("learned.rules:6:1: unknown rule type 'DOMAN'"))
        .anySatisfy(w -> assertThat(w).contains("learned.rules:7:", "invalid expires="));
  }

  @Test
  void learnedEntryExpiresWhileRunning() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "");
    Files.writeString(dir.resolve("learned.rules"), LEARNED);
    Instant[] now = {Instant.parse("2026-12-04T17:59:59Z")};
    Clock clock =
        new Clock() {
          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(java.time.ZoneId zone) {
            return this;
          }

          @Override
          public Instant instant() {
            return now[0];
          }
        };
    Rules r = Rules.load(f, dir.resolve("learned.rules"), clock);
    assertThat(r.decide(d("blocked.example")).action()).isEqualTo(Action.RELAY);
    now[0] = Instant.parse("2026-12-04T18:00:00Z");
    assertThat(r.decide(d("blocked.example")).action()).isEqualTo(Action.AUTO);
  }

  @Test
  void learnedIpRulesApplyOnlyWhenNoUserRuleDecidedByName() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,mine.example,DIRECT\n");
    Files.writeString(dir.resolve("learned.rules"), "IP-CIDR,192.0.2.66/32,RELAY # technique=6\n");
    Rules r = Rules.load(f, dir.resolve("learned.rules"), NOW);
    List<InetAddress> addrs = List.of(InetAddress.getByName("192.0.2.66"));
    Decision mine = r.decide(d("mine.example"));
    assertThat(r.decideResolved(d("mine.example"), addrs, mine)).isEqualTo(mine);
    Decision other = r.decide(d("other.example"));
    assertThat(r.decideResolved(d("other.example"), addrs, other).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("192.0.2.66")).action()).isEqualTo(Action.RELAY);
  }

  @Test
  void caseAndTrailingDotsDoNotMatter() throws IOException {
    Rules r = load("DOMAIN-SUFFIX,Example.COM.,RELAY\nDOMAIN,Exact.Example.ORG,REJECT\n");
    assertThat(r.decide(d("WWW.EXAMPLE.com.")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("example.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("exact.example.org.")).action()).isEqualTo(Action.REJECT);
  }

  @Test
  void unicodeRuleMatchesPunycodeHostAndTheOtherWayRound() throws IOException {
    Rules r =
        load(
            "DOMAIN-SUFFIX,президент.рф,RELAY\n"
                + "DOMAIN,xn--80ak6aa92e.com,REJECT\n"
                + "DOMAIN-KEYWORD,казино,RELAY\n"
                + "DOMAIN-REGEX,^почта\\.,DIRECT\n");
    assertThat(r.decide(d("xn--d1abbgf6aiiy.xn--p1ai")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("www.президент.рф")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("ПРЕЗИДЕНТ.РФ")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("аррӏе.com")).action())
        .as("Unicode host, punycode rule")
        .isEqualTo(Action.REJECT);
    assertThat(r.decide(d("онлайн-казино.рф")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("почта.рф")).action()).isEqualTo(Action.DIRECT);
  }

  @Test
  void everyActionIsParsed() throws IOException {
    Rules r =
        load(
            "DOMAIN,d.example,DIRECT\nDOMAIN,r.example,relay\nDOMAIN,x.example,REJECT\n"
                + "domain-suffix,a.example,Auto\nDOMAIN,p.example,PROXY\n");
    assertThat(r.decide(d("d.example")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("r.example")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("x.example")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("a.example")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("p.example")).action()).as("Clash's PROXY").isEqualTo(Action.RELAY);
  }

  @Test
  void regexRulesAreExactAboutOrder() throws IOException {
    Rules r =
        load(
            "DOMAIN-REGEX,^ad[s0-9]*\\.,REJECT\n"
                + "DOMAIN-SUFFIX,example.com,RELAY\n"
                + "DOMAIN-REGEX,(?i)^WWW\\.,DIRECT\n"
                + "DOMAIN-REGEX,^a{1,3}\\.b\\.example$,DIRECT\n");
    assertThat(r.decide(d("ads1.example.com")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("www.example.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("www.example.org")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("aa.b.example")).action())
        .as("a comma inside a regex")
        .isEqualTo(Action.DIRECT);
  }

  @Test
  void learnedEntryRoundTrip() {
    LearnedEntry e =
        LearnedEntry.of(
            "Blocked.Example.",
            Action.RELAY,
            "8 tls-silence",
            "no byte 3000 ms after ClientHello; relay handshake ok",
            Instant.parse("2026-11-27T18:00:00Z"),
            Instant.parse("2026-12-04T18:00:00Z"));
    assertThat(e.toLine())
        .isEqualTo(
            "DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms"
                + " after ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z;"
                + " expires=2026-12-04T18:00:00Z");
    LearnedEntry back = LearnedEntry.parse(e.toLine());
    assertThat(back).isEqualTo(e);
    assertThat(back.field("technique")).contains("8 tls-silence");
    assertThat(back.expires()).isBeforeOrEqualTo(Instant.parse("2026-12-04T18:00:00Z"));
    assertThat(
            LearnedEntry.of("192.0.2.1", Action.RELAY, "6", "rst", NOW.instant(), NOW.instant())
                .rule())
        .isEqualTo("IP-CIDR,192.0.2.1/32,RELAY,no-resolve");
  }
}
