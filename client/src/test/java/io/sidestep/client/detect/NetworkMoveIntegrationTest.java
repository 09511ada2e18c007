package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.Client;
import io.sidestep.client.FakeResolver;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.network.Network;
import io.sidestep.core.network.NetworkSource;
import io.sidestep.core.testing.TestOrigin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A laptop moving between two networks with one state folder: on network A the censor resets
 * reset.example, so it is learned there and relayed; on network B (another gateway and resolver, no
 * censor) it goes direct and what A learned neither applies nor is forgotten; back on A, in a
 * client started again on the same state folder, A's entry applies from the first connection.
 */
@Timeout(120)
class NetworkMoveIntegrationTest {
  @TempDir Path tmp;

  /** The network the test says the computer is on, and the resolver that network gives. */
  static final class Place implements NetworkSource, Resolver {
    final Network.Facts facts;
    final Resolver resolver;
    final List<String> lookups = new java.util.concurrent.CopyOnWriteArrayList<>();

    Place(String gateway, String hardware, String resolverAddress, Resolver resolver) {
      this.facts =
          new Network.Facts(Optional.of(gateway), Optional.of(hardware), List.of(resolverAddress));
      this.resolver = resolver;
    }

    @Override
    public Network.Facts read() {
      return facts;
    }

    @Override
    public CompletableFuture<List<InetAddress>> resolve(String host) {
      lookups.add(host);
      return resolver.resolve(host);
    }

    /** How often this network's resolver was asked for {@code host}: a direct connection asks. */
    long lookups(String host) {
      return lookups.stream().filter(host::equals).count();
    }

    Network network() {
      return Network.of(facts).orElseThrow();
    }
  }

  /** Where the client is now: both its network source and its resolver follow this. */
  static final class Laptop implements NetworkSource, Resolver {
    volatile Place at;

    @Override
    public Network.Facts read() {
      return at.read();
    }

    @Override
    public CompletableFuture<List<InetAddress>> resolve(String host) {
      return at.resolve(host);
    }
  }

  CensoredLoopback net;
  Client client;

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, net}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  private Client start(Laptop laptop, Path state) throws Exception {
    return Client.builder()
        .http(new InetSocketAddress("127.0.0.1", 0))
        .socks(new InetSocketAddress("127.0.0.1", 0))
        .relay(net.key)
        .resolver(laptop)
        .networkSource(laptop)
        .networkPoll(Duration.ofHours(1)) // moves are told with recheckNetwork()
        .stateDir(state)
        .detection(CensoredLoopback.settings())
        .detectionTrust(net.trust())
        .threads(2)
        .start();
  }

  private HttpResponse<String> visit(String host) throws Exception {
    HttpClient c =
        HttpClient.newBuilder()
            .proxy(ProxySelector.of(client.httpAddress()))
            .sslContext(net.https.clientContext())
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    return c.send(
        HttpRequest.newBuilder(URI.create("https://" + host + ":" + net.https.port() + "/page"))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<LearnedStore.Entry> awaitLearned(Path state, String host)
      throws InterruptedException {
    LearnedStore store = new LearnedStore(state, Clock.systemUTC());
    for (int i = 0; i < 400; i++) {
      List<LearnedStore.Entry> e = store.entries(host);
      if (!e.isEmpty()) {
        return e;
      }
      Thread.sleep(25);
    }
    throw new AssertionError(host + " was not learned");
  }

  private long censorSaw(String host) {
    return net.censorTls.seen().stream().filter(host::equals).count();
  }

  @Test
  void learnedStateMovesWithTheNetwork() throws Exception {
    net = new CensoredLoopback(tmp);
    Place a = new Place("192.0.2.1", "02:00:00:00:0a:01", "192.0.2.53", net.resolver());
    Place b =
        new Place(
            "198.51.100.1",
            "02:00:00:00:0b:01",
            "198.51.100.53",
            new FakeResolver().answer("reset.example", "127.0.0.1"));
    Laptop laptop = new Laptop();
    laptop.at = a;
    Path state = Files.createDirectories(tmp.resolve("state"));
    client = start(laptop, state);
    assertThat(client.network()).contains(a.network());

    // On A: the censor resets the site; the page loads through the relay and is learned on A.
    assertThat(visit("reset.example").body()).isEqualTo(TestOrigin.BODY);
    List<LearnedStore.Entry> learned = awaitLearned(state, "reset.example");
    assertThat(learned)
        .extracting(LearnedStore.Entry::network)
        .containsExactly(Optional.of(a.network()));
    assertThat(Files.readString(state.resolve("learned.rules")))
        .contains("network=" + a.network().id() + "; network-name=gateway 192.0.2.1");
    long saw = censorSaw("reset.example");
    long asked = a.lookups("reset.example");
    assertThat(visit("reset.example").body()).isEqualTo(TestOrigin.BODY);
    assertThat(censorSaw("reset.example")).as("relayed on A").isEqualTo(saw);
    assertThat(a.lookups("reset.example")).as("a relayed name is not looked up").isEqualTo(asked);

    // To B: nothing learned on A applies; the site goes direct and works.
    laptop.at = b;
    client.recheckNetwork();
    assertThat(client.network()).contains(b.network());
    assertThat(visit("reset.example").body()).isEqualTo(TestOrigin.BODY);
    assertThat(b.lookups("reset.example")).as("direct on B: looked up there").isEqualTo(1);
    assertThat(censorSaw("reset.example")).as("B has no censor in the path").isEqualTo(saw);
    assertThat(new LearnedStore(state, Clock.systemUTC()).entries("reset.example"))
        .as("nothing learned on B")
        .extracting(LearnedStore.Entry::network)
        .containsExactly(Optional.of(a.network()));

    // Back to A, in a client started again on the same state: A's entry applies at once.
    client.close();
    laptop.at = a;
    client = start(laptop, state);
    asked = a.lookups("reset.example");
    assertThat(visit("reset.example").body()).isEqualTo(TestOrigin.BODY);
    assertThat(censorSaw("reset.example")).as("relayed on A again").isEqualTo(saw);
    assertThat(a.lookups("reset.example")).isEqualTo(asked);
    assertThat(new LearnedStore(state, Clock.systemUTC()).entries("reset.example"))
        .as("the direct success on B did not forget what A learned")
        .extracting(LearnedStore.Entry::network)
        .containsExactly(Optional.of(a.network()));
  }
}
