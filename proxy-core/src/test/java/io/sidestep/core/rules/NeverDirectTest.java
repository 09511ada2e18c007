package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NEVER-DIRECT in a rules file, and {@link Router#neverDirect} for what no rule names. */
class NeverDirectTest {
  @TempDir Path dir;

  private Rules load(String rules, String learned) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, rules);
    Files.writeString(dir.resolve("learned.rules"), learned);
    return Rules.load(f, dir.resolve("learned.rules"));
  }

  private static Destination d(String host) {
    return Destination.parse(host, 443);
  }

  @Test
  void theActionIsReadInAnyCaseAndShownAsWritten() throws IOException {
    Files.writeString(dir.resolve("list.txt"), "listed.example\n");
    Rules r =
        load(
            "DOMAIN-SUFFIX,watched.example,never-direct\n"
                + "RULE-SET,list.txt,NEVER-DIRECT\n"
                + "IP-CIDR,192.0.2.0/24,NEVER-DIRECT\n",
            "");
    Decision byName = r.decide(d("www.watched.example"));
    assertThat(byName.action()).isEqualTo(Action.NEVER_DIRECT);
    assertThat(byName.reason())
        .as("the canonical text, not the enum's name")
        .endsWith("rules.txt:1: DOMAIN-SUFFIX,watched.example,never-direct");
    assertThat(r.decide(d("listed.example")).action()).isEqualTo(Action.NEVER_DIRECT);
    assertThat(r.decide(d("listed.example")).reason()).contains("list.txt:1");
    assertThat(r.decide(d("192.0.2.9")).action()).isEqualTo(Action.NEVER_DIRECT);
    assertThat(Action.NEVER_DIRECT).hasToString("NEVER-DIRECT");
  }

  @Test
  void aNeverDirectNameIsNotDecidedAgainByAddresses() throws IOException {
    Rules r = load("IP-CIDR,192.0.2.0/24,DIRECT\nDOMAIN,watched.example,NEVER-DIRECT\n", "");
    Decision byName = r.decide(d("watched.example"));
    assertThat(
            r.decideResolved(
                d("watched.example"), List.of(InetAddress.getByName("192.0.2.1")), byName))
        .as("a NEVER-DIRECT name is never looked up, so no IP rule can apply to it")
        .isSameAs(byName);
  }

  @Test
  void theFirstMatchingUserLineStillWins() throws IOException {
    Rules r =
        load(
            "DOMAIN,open.watched.example,DIRECT\nDOMAIN-SUFFIX,watched.example,NEVER-DIRECT\n",
            "DOMAIN,learned.watched.example,RELAY # technique=6\n");
    assertThat(r.decide(d("open.watched.example")).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(d("learned.watched.example")).action())
        .as("a user line that is not AUTO is not overridden by a learned entry")
        .isEqualTo(Action.NEVER_DIRECT);
  }

  @Test
  void theFlagTurnsEveryAutoIntoNeverDirect() throws IOException {
    Rules r =
        load(
            "DOMAIN,open.example,DIRECT\n"
                + "DOMAIN,detect.example,AUTO\n"
                + "DOMAIN,gone.example,REJECT\n",
            "DOMAIN,learned.example,RELAY # technique=6\n");
    Router router = Router.neverDirect(r);
    assertThat(router.decide(d("unknown.example"))).isEqualTo(Decision.neverDirect());
    assertThat(Decision.neverDirect().reason())
        .isEqualTo("no rule: --never-direct, only through a relay");
    assertThat(router.decide(d("open.example")).action()).isEqualTo(Action.DIRECT);
    assertThat(router.decide(d("gone.example")).action()).isEqualTo(Action.REJECT);
    assertThat(router.decide(d("learned.example")).action()).isEqualTo(Action.RELAY);
    Decision named = router.decide(d("detect.example"));
    assertThat(named.action())
        .as("a rule that says AUTO is what happens anyway: the flag covers it too")
        .isEqualTo(Action.NEVER_DIRECT);
    assertThat(named.reason())
        .startsWith("--never-direct: ")
        .endsWith(":2: DOMAIN,detect.example,AUTO");
    assertThat(router.decide(d("192.0.2.1"))).isEqualTo(Decision.neverDirect());
  }

  @Test
  void theFlagCoversMatchAuto() throws IOException {
    Router router = Router.neverDirect(load("DOMAIN,open.example,DIRECT\nMATCH,AUTO\n", ""));
    assertThat(router.decide(d("unknown.example")).action()).isEqualTo(Action.NEVER_DIRECT);
    assertThat(router.decide(d("open.example")).action()).isEqualTo(Action.DIRECT);
  }

  @Test
  void theFlagFollowsALiveRouter() {
    Router plain = destination -> Decision.auto();
    assertThat(Router.neverDirect(plain).decide(d("x.example")).action())
        .isEqualTo(Action.NEVER_DIRECT);
  }
}
