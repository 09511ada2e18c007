package io.sidestep.core.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class CurrentNetworkTest {

  /** A network source the test moves between networks. */
  static final class FakeNetworkSource implements NetworkSource {
    volatile Network.Facts facts = Network.Facts.NONE;

    @Override
    public Network.Facts read() {
      return facts;
    }
  }

  private static Network.Facts facts(String gateway, String hardware, String resolver) {
    return new Network.Facts(
        Optional.of(gateway), Optional.ofNullable(hardware), List.of(resolver));
  }

  private static final Network.Facts HOME = facts("192.0.2.1", "02:00:00:00:00:01", "192.0.2.53");
  private static final Network.Facts OFFICE =
      facts("198.51.100.1", "02:00:00:00:00:02", "198.51.100.53");

  @Test
  void followsALaptopFromNetworkToNetworkAndTellsTheListeners() {
    FakeNetworkSource source = new FakeNetworkSource();
    source.facts = HOME;
    CurrentNetwork net = new CurrentNetwork(source);
    List<Optional<Network>> heard = new java.util.ArrayList<>();
    net.onChange(heard::add);
    assertThat(net.current()).isEqualTo(Network.of(HOME));

    assertThat(net.recheck()).as("nothing moved").isFalse();
    source.facts = OFFICE;
    assertThat(net.recheck()).isTrue();
    assertThat(net.current()).isEqualTo(Network.of(OFFICE));
    source.facts = Network.Facts.NONE;
    assertThat(net.recheck()).isTrue();
    assertThat(net.current()).as("no default route: unknown").isEmpty();
    source.facts = HOME;
    net.recheck();
    assertThat(heard).containsExactly(Network.of(OFFICE), Optional.empty(), Network.of(HOME));
  }

  @Test
  void aNeighbourEntryThatWentAwayIsTheSameNetwork() {
    FakeNetworkSource source = new FakeNetworkSource();
    source.facts = HOME;
    CurrentNetwork net = new CurrentNetwork(source);
    source.facts = facts("192.0.2.1", null, "192.0.2.53");
    assertThat(net.recheck()).isFalse();
    assertThat(net.current()).isEqualTo(Network.of(HOME));
    source.facts = facts("192.0.2.1", "02:00:00:00:00:09", "192.0.2.53");
    assertThat(net.recheck()).as("another router with the same address").isTrue();
  }

  @Test
  void aHardwareAddressThatAppearsLaterRefinesTheSameNetwork() {
    FakeNetworkSource source = new FakeNetworkSource();
    Network.Facts bare = facts("192.0.2.1", null, "192.0.2.53");
    source.facts = bare;
    CurrentNetwork net = new CurrentNetwork(source);
    Network before = net.current().orElseThrow();
    assertThat(before.label()).contains("hardware address unknown");
    assertThat(before.id()).matches("[0-9a-f]{6}");
    source.facts = HOME;
    assertThat(net.recheck()).as("the first packet to the gateway filled the entry").isTrue();
    Network after = net.current().orElseThrow();
    assertThat(after.id()).startsWith(before.id() + "-");
    assertThat(after.sameAs(before.id())).isTrue();
    Network other = Network.of(facts("192.0.2.1", "02:00:00:00:00:09", "192.0.2.53")).orElseThrow();
    assertThat(other.sameAs(after.id())).as("another router with the same address").isFalse();
    assertThat(other.sameAs(before.id())).isTrue();
    assertThat(Network.count(List.of(before.id(), after.id()))).isEqualTo(1);
    assertThat(Network.count(List.of(before.id(), after.id(), other.id()))).isEqualTo(2);
  }

  @Test
  void aSourceThatThrowsIsAnUnknownNetwork() {
    CurrentNetwork net =
        new CurrentNetwork(
            () -> {
              throw new IllegalStateException("no /proc here");
            });
    assertThat(net.current()).isEmpty();
    assertThat(net.recheck()).isFalse();
  }

  @Test
  @Timeout(10)
  void aWatchedNetworkIsReadAgainWhenAsked() throws InterruptedException {
    FakeNetworkSource source = new FakeNetworkSource();
    source.facts = HOME;
    BlockingQueue<Optional<Network>> heard = new LinkedBlockingQueue<>();
    try (CurrentNetwork net = new CurrentNetwork(source).watch(java.time.Duration.ofHours(1))) {
      net.onChange(heard::add);
      source.facts = OFFICE;
      net.recheckSoon();
      assertThat(heard.poll(5, TimeUnit.SECONDS)).isEqualTo(Network.of(OFFICE));
      assertThat(net.current()).isEqualTo(Network.of(OFFICE));
    }
  }
}
