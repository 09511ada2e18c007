package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link LearnedEntry#of} writes, {@link LearnedEntry#parse} and the rules engine read. */
class LearnedEntryTest {
  @TempDir Path dir;

  private static final Instant LEARNED = Instant.parse("2026-11-27T18:00:00.123Z");
  private static final Instant EXPIRES = Instant.parse("2026-12-04T18:00:00.456Z");
  private static final Clock NOW =
      Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

  private static LearnedEntry entry(String host, String evidence) {
    return LearnedEntry.of(host, Action.RELAY, "8 tls-silence", evidence, LEARNED, EXPIRES);
  }

  @Test
  void everyHostFormRoundTrips() {
    for (String host :
        List.of("Blocked.Example.", "Bücher.example", "203.0.113.9", "[2001:DB8::9]")) {
      LearnedEntry e = entry(host, "reset after ClientHello, 0 bytes read");
      LearnedEntry back = LearnedEntry.parse(e.toLine());
      assertThat(back).as(host).isEqualTo(e);
      assertThat(back.host()).isEqualTo(Destination.normalise(host));
      assertThat(back.field("technique")).contains("8 tls-silence");
      assertThat(back.field("evidence")).contains("reset after ClientHello, 0 bytes read");
      assertThat(back.field("learned")).contains("2026-11-27T18:00:00Z");
      assertThat(back.expires()).isEqualTo(Instant.parse("2026-12-04T18:00:00Z"));
    }
    assertThat(entry("203.0.113.9", "x").rule())
        .isEqualTo("IP-CIDR,203.0.113.9/32,RELAY,no-resolve");
    assertThat(entry("2001:db8::9", "x").rule())
        .isEqualTo("IP-CIDR6,2001:db8::9/128,RELAY,no-resolve");
  }

  @Test
  void evidenceTextStaysOneLineAndItsOwnField() {
    LearnedEntry e =
        entry("a.example", "title 'a # b'\nsecond\u2028line; expires=2099-01-01T00:00:00Z");
    assertThat(e.toLine()).doesNotContain("\n", "\u2028").containsOnlyOnce(" # ");
    LearnedEntry back = LearnedEntry.parse(e.toLine());
    assertThat(back.field("evidence"))
        .contains("title 'a no. b' second line, expires=2099-01-01T00:00:00Z");
    assertThat(back.expires()).as("the evidence cannot set the expiry").isEqualTo(e.expires());
  }

  @Test
  void aHostThatCouldWriteARuleOfItsOwnIsRefused() {
    for (String host :
        List.of(
            "x.example,DIRECT\nMATCH,REJECT",
            "x.example,DIRECT # \rMATCH,REJECT",
            "x.example\uff0cDIRECT\u3000\uff03",
            "x.example\u000bMATCH,REJECT")) {
      assertThatThrownBy(() -> entry(host, "x"))
          .as(host)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("host: '");
    }
  }

  @Test
  void theRulesEngineRoutesWhatWasWrittenWithItsEvidence() throws IOException {
    Path learned = dir.resolve("learned.rules");
    Files.writeString(
        learned,
        "# header\n"
            + entry("blocked.example", "no byte 3000 ms after ClientHello").toLine()
            + "\n"
            + entry("192.0.2.9", "refused").toLine()
            + "\n"
            + entry("2001:db8::9", "timeout").toLine()
            + "\n"
            + LearnedEntry.of("gone.example", Action.RELAY, "6 tcp-refused", "x", LEARNED, LEARNED)
                .toLine()
            + "\n");
    Rules r = Rules.load(null, learned, NOW);
    assertThat(r.warnings()).isEmpty();
    Decision d = r.decide(Destination.parse("blocked.example", 443));
    assertThat(d.action()).isEqualTo(Action.RELAY);
    assertThat(d.reason()).startsWith("learned: ").contains("no byte 3000 ms after ClientHello");
    assertThat(r.decide(Destination.parse("192.0.2.9", 443)).action()).isEqualTo(Action.RELAY);
    assertThat(r.decide(Destination.parse("[2001:db8::9]:443", 443)).action())
        .isEqualTo(Action.RELAY);
    assertThat(r.decide(Destination.parse("gone.example", 443)).action())
        .as("expired")
        .isEqualTo(Action.AUTO);
  }

  @Test
  void aHandWrittenRuleReadsButNamesNoSingleHost() {
    LearnedEntry e = LearnedEntry.parse("DOMAIN-SUFFIX,example.org,RELAY # mine");
    assertThat(e.host()).isNull();
    assertThat(e.expires()).isNull();
    assertThat(LearnedEntry.parse("IP-CIDR,203.0.113.0/24,RELAY").host()).isNull();
    assertThatThrownBy(() -> LearnedEntry.parse("RULE-SET,list.txt,RELAY"))
        .hasMessageContaining("RULE-SET in the learned file");
  }
}
