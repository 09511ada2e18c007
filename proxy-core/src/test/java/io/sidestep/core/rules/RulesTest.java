package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesTest {
  @TempDir Path dir;

  private Rules rules(String text) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, text);
    return Rules.load(f, dir.resolve("learned.rules"));
  }

  private static Destination d(String hostPort) {
    return Destination.parse(hostPort, 443);
  }

  @Test
  void domainMatchesOnlyTheExactName() throws IOException {
    Rules r = rules("DOMAIN,example.com,RELAY\n");
    assertThat(r.decide(d("example.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("www.example.com")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("notexample.com")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("example.com")).reason())
        .isEqualTo(dir.resolve("rules.txt") + ":1: DOMAIN,example.com,RELAY");
  }

  @Test
  void suffixMatchesTheNameAndEveryNameBelowIt() throws IOException {
    Rules r = rules("DOMAIN-SUFFIX,kz,RELAY\nDOMAIN-SUFFIX,example.com,REJECT\n");
    assertThat(r.decide(d("kz")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("gov.kz")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("a.b.c.kz:80")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("kz.example.org")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("notkz")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("www.example.com")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("badexample.com")).action()).isEqualTo(Action.AUTO);
  }

  @Test
  void keywordMatchesAnywhereInTheName() throws IOException {
    Rules r = rules("DOMAIN-KEYWORD,google,RELAY\nDOMAIN-KEYWORD,ads,REJECT\n");
    assertThat(r.decide(d("www.google.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("googleapis.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("myads.example")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("goog.le")).action()).isEqualTo(Action.AUTO);
  }

  @Test
  void firstMatchWinsAcrossTypes() throws IOException {
    Rules r =
        rules(
            "DOMAIN-KEYWORD,tracker,REJECT\n"
                + "DOMAIN,tracker.example.com,DIRECT\n"
                + "DOMAIN-SUFFIX,example.com,RELAY\n"
                + "MATCH,DIRECT\n");
    assertThat(r.decide(d("tracker.example.com")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("www.example.com")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("other.org")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("other.org")).reason()).endsWith(":4: MATCH,DIRECT");
  }

  @Test
  void ipRulesApplyToAddressLiterals() throws IOException {
    Rules r =
        rules(
            "IP-CIDR,10.0.0.0/8,DIRECT\n"
                + "IP-CIDR,203.0.113.0/24,REJECT\n"
                + "IP-CIDR6,2001:db8::/32,RELAY\n");
    assertThat(r.decide(d("10.1.2.3")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("203.0.113.9")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("[2001:db8::1]:443")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("[2001:db9::1]:443")).action()).isEqualTo(Action.AUTO);
    assertThat(r.decide(d("192.0.2.1")).action()).isEqualTo(Action.AUTO);
  }

  @Test
  void ipRulesApplyToNamesOnlyAfterResolutionAndBeforeTheNameRule() throws IOException {
    Rules r =
        rules(
            "IP-CIDR,10.0.0.0/8,DIRECT\n"
                + "IP-CIDR,192.0.2.0/24,REJECT,no-resolve\n"
                + "DOMAIN-SUFFIX,example.com,AUTO\n"
                + "IP-CIDR,198.51.100.0/24,REJECT\n");
    Destination name = d("www.example.com");
    Decision byName = r.decide(name);
    assertThat(byName.action()).as("IP rules never apply by name alone").isEqualTo(Action.AUTO);
    assertThat(r.decideResolved(name, List.of(ip("10.0.0.5")), byName).action())
        .isEqualTo(Action.DIRECT);
    assertThat(r.decideResolved(name, List.of(ip("192.0.2.5")), byName))
        .as("no-resolve keeps the rule for address destinations")
        .isEqualTo(byName);
    assertThat(r.decideResolved(name, List.of(ip("198.51.100.5")), byName))
        .as("an IP rule after the deciding name rule does not apply")
        .isEqualTo(byName);
    Destination other = d("other.org");
    Decision auto = r.decide(other);
    assertThat(r.decideResolved(other, List.of(ip("198.51.100.5")), auto).action())
        .isEqualTo(Action.REJECT);
  }

  @Test
  void matchAndPortRules() throws IOException {
    Rules r = rules("DST-PORT,25,REJECT\nDST-PORT,8000-8999,DIRECT\nMATCH,RELAY\n");
    assertThat(r.decide(d("mail.example:25")).action()).isEqualTo(Action.REJECT);
    assertThat(r.decide(d("x.example:8080")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("x.example:443")).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(d("192.0.2.1:25")).action()).isEqualTo(Action.REJECT);
  }

  @Test
  void unknownTypeIsReportedWithFileLineAndColumn() throws IOException {
    assertThatThrownBy(
            () -> rules("# comment\n\nDOMAIN,a.example,RELAY\n  DOMAN-SUFFIX,kz,RELAY\n"))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(dir.resolve("rules.txt") + ":4:3: unknown rule type 'DOMAN-SUFFIX'")
        .hasMessageContaining("(expected: DOMAIN, DOMAIN-SUFFIX,");
  }

  @Test
  void tooManyKeywordsIsAClearErrorNotAnOutOfMemory() throws IOException {
    StringBuilder b = new StringBuilder();
    java.util.Random r = new java.util.Random(1);
    for (int i = 0; i < 200_000; i++) {
      b.append("DOMAIN-KEYWORD,");
      for (int k = 0; k < 12; k++) {
        b.append((char) ('a' + r.nextInt(26)));
      }
      b.append(i).append(",RELAY\n");
    }
    assertThatThrownBy(() -> rules(b.toString()))
        .isInstanceOf(RulesException.class)
        .hasMessageContaining("200000 DOMAIN-KEYWORD entries are too many");
  }

  private static InetAddress ip(String s) throws IOException {
    return InetAddress.getByName(s);
  }
}
