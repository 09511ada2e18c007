package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.network.Network;
import io.sidestep.core.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The learned file keeps one entry per host and network. */
class LearnedStoreNetworksTest {
  @TempDir Path state;
  private final ManualClock clock = ManualClock.atDefault();

  private static final Optional<Network> HOME =
      Optional.of(new Network("aaaaaaaaaaaa", "gateway 192.0.2.1 (02:00:00:00:00:01)"));
  private static final Optional<Network> OFFICE =
      Optional.of(new Network("bbbbbbbbbbbb", "gateway 198.51.100.1"));

  private Evidence reset() {
    return Evidence.of(Technique.TLS_RESET, "reset after ClientHello; relay handshake ok", clock);
  }

  private List<String> entryLines() throws IOException {
    return Files.readAllLines(state.resolve("learned.rules"), StandardCharsets.UTF_8).stream()
        .filter(l -> !l.isBlank() && !l.startsWith("#"))
        .toList();
  }

  @Test
  void aHostLearnedOnTwoNetworksHasTwoReadableEntries() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("site.example", reset(), HOME);
    store.learn("site.example", reset(), OFFICE);
    store.learn("site.example", reset(), HOME); // renewed, not doubled
    assertThat(entryLines())
        .containsExactly(
            "DOMAIN,site.example,RELAY # technique=7 tls-reset; evidence=reset after ClientHello,"
                + " relay handshake ok; learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z;"
                + " network=bbbbbbbbbbbb; network-name=gateway 198.51.100.1",
            "DOMAIN,site.example,RELAY # technique=7 tls-reset; evidence=reset after ClientHello,"
                + " relay handshake ok; learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z;"
                + " network=aaaaaaaaaaaa; network-name=gateway 192.0.2.1 (02:00:00:00:00:01)");
    assertThat(new LearnedStore(state, clock).entries("site.example"))
        .extracting(LearnedStore.Entry::network)
        .containsExactly(OFFICE, HOME);
  }

  @Test
  void anOldEntryMovesToTheNetworkItIsLearnedOnAgain() {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("site.example", reset());
    assertThat(store.entries("site.example").get(0).network()).isEmpty();
    store.learn("site.example", reset(), HOME);
    assertThat(store.entries()).extracting(LearnedStore.Entry::network).containsExactly(HOME);
  }

  @Test
  void learningOnceTheHardwareAddressIsKnownReplacesTheEarlierEntry() {
    LearnedStore store = new LearnedStore(state, clock);
    Optional<Network> bare = Optional.of(new Network("abcdef", "gateway 192.0.2.1"));
    Optional<Network> known = Optional.of(new Network("abcdef-012345", "gateway 192.0.2.1 (mac)"));
    store.learn("site.example", reset(), bare);
    store.learn("site.example", reset(), known);
    assertThat(store.entries()).extracting(LearnedStore.Entry::network).containsExactly(known);
    assertThat(store.forget("site.example", bare)).isTrue();
    assertThat(store.entries()).isEmpty();
  }

  @Test
  void forgettingOnANetworkKeepsWhatOtherNetworksLearned() {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("site.example", reset(), HOME);
    store.learn("site.example", reset(), OFFICE);
    store.learn("other.example", reset());
    assertThat(store.forget("site.example", HOME)).isTrue();
    assertThat(store.forget("site.example", HOME)).isFalse();
    assertThat(store.forget("other.example", OFFICE)).as("an entry of any network").isTrue();
    assertThat(store.entries()).extracting(LearnedStore.Entry::network).containsExactly(OFFICE);
    assertThat(store.forget("site.example")).as("every network").isTrue();
    assertThat(store.entries()).isEmpty();
  }

  @Test
  @Timeout(20)
  void theWriterForgetsOnlyWhatAppliesOnTheNetwork() throws InterruptedException {
    LearnedStore store = new LearnedStore(state, clock);
    BlockingQueue<List<LearnedStore.Change>> writes = new LinkedBlockingQueue<>();
    try (LearnedWriter writer = new LearnedWriter(store, 16, writes::add)) {
      writer.learn("site.example", reset(), HOME);
      writes.poll(10, TimeUnit.SECONDS);
      writer.learn("site.example", reset(), OFFICE);
      writes.poll(10, TimeUnit.SECONDS);
      writer.forgetIfStored("site.example", Optional.of(new Network("cccccccccccc", "cafe")));
      writer.forgetIfStored("site.example", HOME);
      List<LearnedStore.Change> made = writes.poll(10, TimeUnit.SECONDS);
      assertThat(made)
          .as("the cafe has no entry: no change for it")
          .containsExactly(new LearnedStore.Change.Forget("site.example", HOME));
    }
    assertThat(store.entries()).extracting(LearnedStore.Entry::network).containsExactly(OFFICE);
  }
}
