package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.ManualClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which learned entries apply on which network. */
class LearnedNetworksTest {
  @TempDir Path dir;
  private final ManualClock clock = ManualClock.atDefault();

  private static final Network HOME = new Network("aaaaaaaaaaaa", "gateway 192.0.2.1");
  private static final Network OFFICE = new Network("bbbbbbbbbbbb", "gateway 198.51.100.1");
  private static final Network CAFE = new Network("cccccccccccc", "gateway 203.0.113.1");

  private String line(String host, Optional<Network> network) {
    Instant now = clock.instant();
    return LearnedEntry.of(
                host,
                Action.RELAY,
                "7 tls-reset",
                "reset",
                now,
                now.plus(Duration.ofDays(7)),
                network)
            .toLine()
        + "\n";
  }

  private Path learned() throws IOException {
    return Files.writeString(
        dir.resolve("learned.rules"),
        line("home-only.example", Optional.of(HOME))
            + line("office-only.example", Optional.of(OFFICE))
            + line("national.example", Optional.of(HOME))
            + line("national.example", Optional.of(OFFICE))
            // as files written before networks were told apart
            + "DOMAIN,old.example,RELAY # technique=7 tls-reset; evidence=reset;"
            + " learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z\n"
            + "DOMAIN-SUFFIX,mine.example,RELAY # added by hand\n");
  }

  private static Action on(Rules r, String host) {
    return r.decide(Destination.parse(host, 443)).action();
  }

  @Test
  void eachNetworkSeesItsOwnEntriesPlusNationalAndOldOnes() throws IOException {
    Path f = learned();
    Rules home = Rules.load(null, f, Optional.of(HOME), clock);
    assertThat(on(home, "home-only.example")).isEqualTo(Action.RELAY);
    assertThat(on(home, "office-only.example")).isEqualTo(Action.AUTO);
    assertThat(on(home, "national.example")).isEqualTo(Action.RELAY);
    assertThat(on(home, "old.example")).as("no network: any network").isEqualTo(Action.RELAY);
    assertThat(on(home, "www.mine.example")).isEqualTo(Action.RELAY);

    Rules cafe = Rules.load(null, f, Optional.of(CAFE), clock);
    assertThat(on(cafe, "home-only.example")).as("a new network").isEqualTo(Action.AUTO);
    assertThat(on(cafe, "office-only.example")).isEqualTo(Action.AUTO);
    assertThat(on(cafe, "national.example"))
        .as("learned on two networks: likely national")
        .isEqualTo(Action.RELAY);
    assertThat(on(cafe, "old.example")).isEqualTo(Action.RELAY);

    Rules unknown = Rules.load(null, f, Optional.empty(), clock);
    assertThat(on(unknown, "office-only.example"))
        .as("a network that cannot be told: every entry")
        .isEqualTo(Action.RELAY);
  }

  @Test
  void anEntryLearnedBeforeTheGatewaysHardwareAddressWasKnownStaysWithItsNetwork()
      throws IOException {
    Network bare = new Network("abcdef", "gateway 192.0.2.1 (hardware address unknown)");
    Network known = new Network("abcdef-012345", "gateway 192.0.2.1 (02:00:00:00:00:01)");
    Network otherRouter = new Network("abcdef-999999", "gateway 192.0.2.1 (02:00:00:00:00:09)");
    Path f =
        Files.writeString(
            dir.resolve("learned.rules"),
            line("early.example", Optional.of(bare))
                + line("late.example", Optional.of(known))
                + line("twice.example", Optional.of(bare))
                + line("twice.example", Optional.of(known)));
    Rules now = Rules.load(null, f, Optional.of(known), clock);
    assertThat(on(now, "early.example")).isEqualTo(Action.RELAY);
    assertThat(on(now, "late.example")).isEqualTo(Action.RELAY);
    Rules unknownHardware = Rules.load(null, f, Optional.of(bare), clock);
    assertThat(on(unknownHardware, "late.example")).isEqualTo(Action.RELAY);
    Rules other = Rules.load(null, f, Optional.of(otherRouter), clock);
    assertThat(on(other, "early.example"))
        .as("learned where only the gateway's address was known")
        .isEqualTo(Action.RELAY);
    assertThat(on(other, "late.example")).as("another router").isEqualTo(Action.AUTO);
    Rules cafe = Rules.load(null, f, Optional.of(CAFE), clock);
    assertThat(on(cafe, "twice.example"))
        .as("one network, learned before and after its hardware address was known: not national")
        .isEqualTo(Action.AUTO);
  }

  @Test
  void theReasonNamesTheNetwork() throws IOException {
    Rules home = Rules.load(null, learned(), Optional.of(HOME), clock);
    assertThat(home.decide(Destination.parse("home-only.example", 443)).reason())
        .contains("network=aaaaaaaaaaaa; network-name=gateway 192.0.2.1");
    LearnedEntry back = LearnedEntry.parse(line("home-only.example", Optional.of(HOME)).strip());
    assertThat(back.network()).contains(HOME);
    assertThat(LearnedEntry.parse(line("x.example", Optional.empty()).strip()).network()).isEmpty();
  }

  @Test
  void liveRulesFollowTheNetwork() throws IOException {
    Path f = learned();
    try (LiveRules live = LiveRules.load(null, f, Duration.ZERO, clock)) {
      assertThat(live.network()).isEmpty();
      assertThat(on(live.current(), "office-only.example")).isEqualTo(Action.RELAY);
      live.useNetwork(Optional.of(HOME));
      assertThat(live.decide(Destination.parse("office-only.example", 443)).action())
          .isEqualTo(Action.AUTO);
      live.learned("just.example", "reset", clock.instant().plusSeconds(60));
      assertThat(live.decide(Destination.parse("just.example", 443)).action())
          .isEqualTo(Action.RELAY);
      live.useNetwork(Optional.of(OFFICE));
      assertThat(live.decide(Destination.parse("office-only.example", 443)).action())
          .isEqualTo(Action.RELAY);
      assertThat(live.decide(Destination.parse("home-only.example", 443)).action())
          .isEqualTo(Action.AUTO);
      assertThat(live.decide(Destination.parse("just.example", 443)).action())
          .as("learned a moment ago on the network before")
          .isEqualTo(Action.AUTO);
    }
  }
}
