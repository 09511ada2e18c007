package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LiveRulesTest {
  @TempDir Path dir;

  private static final Destination SITE = Destination.parse("site.example", 443);

  @Test
  void goodEditAppliesAndBadEditKeepsTheOldRules() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,site.example,DIRECT\n");
    try (LiveRules live =
        LiveRules.load(f, dir.resolve("learned.rules"), Duration.ZERO, Clock.systemUTC())) {
      assertThat(live.decide(SITE).action()).isEqualTo(Action.DIRECT);

      Files.writeString(f, "DOMAIN,site.example,RELAY\n");
      live.reloadNow();
      assertThat(live.decide(SITE).action()).isEqualTo(Action.RELAY);

      Files.writeString(f, "DOMAIN,site.example,RELAY\nDOMAN,oops.example,RELAY\n");
      assertThatThrownBy(live::reloadNow)
          .isInstanceOf(RulesException.class)
          .hasMessageStartingWith(f + ":2:1: unknown rule type 'DOMAN'");
      assertThat(live.decide(SITE).action()).as("old rules stay").isEqualTo(Action.RELAY);

      Files.writeString(f, "DOMAIN,site.example,REJECT\n");
      live.reloadNow();
      assertThat(live.decide(SITE).action()).isEqualTo(Action.REJECT);
    }
  }

  @Test
  void aUserRuleIsAddedFirstSoItWins() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "# mine\nDOMAIN-SUFFIX,example,DIRECT\n");
    try (LiveRules live =
        LiveRules.load(f, dir.resolve("learned.rules"), Duration.ZERO, Clock.systemUTC())) {
      java.time.Instant before = live.userLoaded();
      assertThat(live.decide(SITE).action()).isEqualTo(Action.DIRECT);
      live.addUserRule("Site.Example.", Action.RELAY, "always relay\nfrom a test");
      assertThat(Files.readString(f))
          .isEqualTo(
              "DOMAIN,site.example,RELAY # always relay from a test\n"
                  + "# mine\nDOMAIN-SUFFIX,example,DIRECT\n");
      Decision d = live.decide(SITE);
      assertThat(d.action()).isEqualTo(Action.RELAY);
      assertThat(d.reason()).isEqualTo(f + ":1: DOMAIN,site.example,RELAY");
      assertThat(live.userLoaded()).isAfterOrEqualTo(before);
      assertThat(live.userFiles()).containsExactly(f);

      live.addUserRule("192.0.2.7", Action.DIRECT, "an address");
      assertThat(Files.readAllLines(f).get(0))
          .isEqualTo("IP-CIDR,192.0.2.7/32,DIRECT,no-resolve # an address");
      assertThatThrownBy(() -> live.addUserRule("bad host!", Action.RELAY, "x"))
          .isInstanceOf(IllegalArgumentException.class);
    }
    try (LiveRules none =
        LiveRules.load(null, dir.resolve("learned.rules"), Duration.ZERO, Clock.systemUTC())) {
      assertThatThrownBy(() -> none.addUserRule("site.example", Action.RELAY, "x"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("no rules file");
    }
  }

  @Test
  void startingWithABadFileThrowsTheFileLineColumnMessage() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,a.example,RELAY\nDOMAIN,b.example\n");
    assertThatThrownBy(() -> LiveRules.load(f, null))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(f + ":2:17: missing action");
  }

  @Test
  @Timeout(30)
  void watcherPicksUpEditsToRulesListsAndLearnedFile() throws Exception {
    Path f = dir.resolve("rules.txt");
    Path list = dir.resolve("list.txt");
    Path learned = dir.resolve("learned.rules");
    Files.writeString(f, "RULE-SET,list.txt,RELAY\n");
    Files.writeString(list, "other.example\n");
    try (LiveRules live = LiveRules.load(f, learned, Duration.ofMillis(50), Clock.systemUTC())) {
      assertThat(live.decide(SITE).action()).isEqualTo(Action.AUTO);

      Files.writeString(learned, "DOMAIN,site.example,REJECT # technique=6\n");
      await(() -> live.decide(SITE).action() == Action.REJECT);

      Files.writeString(list, "other.example\nsite.example\n");
      await(() -> live.decide(SITE).action() == Action.RELAY);

      // A bad edit is logged and ignored; the list is still watched, and fixing works.
      Files.writeString(f, "RULE-SET,list.txt,RELAY\nRULE-SET,new.txt,DIRECT\n");
      await(() -> live.problem().isPresent());
      assertThat(live.problem().orElseThrow()).hasMessageContaining("new.txt");
      assertThat(live.decide(SITE).action()).as("the old rules stay").isEqualTo(Action.RELAY);
      Files.writeString(dir.resolve("new.txt"), "unrelated.example\n");
      await(() -> live.current().ruleCount() == 2);
      assertThat(live.problem()).isEmpty();

      Files.writeString(f, "DOMAIN,site.example,DIRECT\n");
      await(() -> live.decide(SITE).action() == Action.DIRECT);
    }
  }

  @Test
  void aFileCaughtHalfWrittenIsNotReadAndSoNotKeptWhenTheEditIsBad() throws Exception {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,site.example,RELAY\n");
    try (LiveRules live = LiveRules.load(f, null, Duration.ZERO, Clock.systemUTC())) {
      // An editor truncates the file (an empty rules file is valid) ...
      Files.writeString(f, "");
      live.poll();
      assertThat(live.decide(SITE).action())
          .as("not read while it changes")
          .isEqualTo(Action.RELAY);
      // ... and writes the finished edit, which is bad.
      Files.writeString(f, "DOMAIN,site.example,RELAY\nRULE-SET,nowhere.txt,DIRECT\n");
      live.poll();
      assertThat(live.problem()).isEmpty();
      live.poll(); // unchanged since the last look: read now
      assertThat(live.problem().orElseThrow()).hasMessageContaining("nowhere.txt");
      assertThat(live.decide(SITE).action())
          .as("the rules before the edit")
          .isEqualTo(Action.RELAY);
      // A good edit is read once it stands still.
      Files.writeString(f, "DOMAIN,site.example,DIRECT\n");
      live.poll();
      live.poll();
      assertThat(live.problem()).isEmpty();
      assertThat(live.decide(SITE).action()).isEqualTo(Action.DIRECT);
    }
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    for (int i = 0; i < 400 && !condition.getAsBoolean(); i++) {
      Thread.sleep(50);
    }
    assertThat(condition.getAsBoolean()).as("condition within 20 s").isTrue();
  }

  @Test
  void aHostLearnedJustNowIsRelayedAtOnceUntilTheLearnedFileHasIt() throws IOException {
    Path rules = dir.resolve("rules.txt");
    Files.writeString(rules, "DOMAIN,mine.example,DIRECT\n");
    Path learnedFile = dir.resolve("learned.rules");
    try (LiveRules live = LiveRules.load(rules, learnedFile, Duration.ZERO, Clock.systemUTC())) {
      java.time.Instant later = java.time.Instant.now().plus(Duration.ofDays(7));
      live.learned("SITE.example.", "technique=7 tls-reset; evidence=reset", later);
      live.learned("mine.example", "technique=7 tls-reset; evidence=reset", later);
      Decision d = live.decide(Destination.parse("site.example", 8443));
      assertThat(d.action()).isEqualTo(Action.RELAY);
      assertThat(d.reason()).isEqualTo("learned: just now: technique=7 tls-reset; evidence=reset");
      assertThat(live.decide(Destination.parse("mine.example", 443)).action())
          .as("the user's own rule comes first")
          .isEqualTo(Action.DIRECT);

      live.reloadLearned();
      assertThat(live.decide(SITE).action()).as("not in the file yet").isEqualTo(Action.RELAY);

      Files.writeString(
          learnedFile, "DOMAIN,site.example,RELAY # technique=7 tls-reset; evidence=reset\n");
      live.reloadLearned();
      assertThat(live.decide(SITE).reason()).startsWith("learned: " + learnedFile);
      Files.writeString(learnedFile, "");
      live.reloadLearned();
      assertThat(live.decide(SITE).action())
          .as("a line the user deletes takes effect")
          .isEqualTo(Action.AUTO);
    }
  }

  @Test
  void aHostLearnedJustNowStopsAtItsExpiry() {
    try (LiveRules live =
        LiveRules.load(null, dir.resolve("learned.rules"), Duration.ZERO, Clock.systemUTC())) {
      live.learned("site.example", "evidence", java.time.Instant.now().minusSeconds(1));
      assertThat(live.decide(SITE).action()).isEqualTo(Action.AUTO);
    }
  }
}
