package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.Client;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.client.probe.ProbeTarget;
import io.sidestep.client.probe.Prober;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.LiveRules;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The live path and {@code probe} on the same censored loopback network: for every planted
 * technique, and for the hosts that are open, down or broken for everyone, a visit through the
 * client and a probe reach the same verdict, because both drive the same {@link Steps}.
 */
@Timeout(180)
class OneVerdictTest {

  /** One host: visited over TLS or plain HTTP, and the technique both must find (or none). */
  record Case(String host, boolean tls, String path, Technique expected) {
    @Override
    public String toString() {
      return host;
    }
  }

  static List<Case> cases() {
    return List.of(
        new Case("open.example", true, "/page", null),
        new Case("reset.example", true, "/page", Technique.TLS_RESET),
        new Case("eof.example", true, "/page", Technique.TLS_RESET),
        new Case("silent.example", true, "/page", Technique.TLS_SILENCE),
        new Case("lied.example", true, "/page", Technique.DNS_NXDOMAIN),
        new Case("mitm.example", true, "/page", Technique.TLS_MITM),
        new Case("installed.example", true, "/page", Technique.TLS_MITM),
        new Case("down.example", true, "/page", null),
        new Case("broken.example", true, "/page", null),
        new Case("plain-reset.example", false, "/page", Technique.HTTP_RESET),
        new Case("blockpage.example", false, "/bytes?n=5000", Technique.HTTP_BLOCKPAGE));
  }

  @TempDir static Path tmp;
  static CensoredLoopback net;
  static final Map<String, Optional<Technique>> live = new HashMap<>();
  static final Map<String, Optional<Technique>> probed = new HashMap<>();

  @BeforeAll
  static void visitAndProbe() throws Exception {
    net = new CensoredLoopback(tmp);
    Path state = tmp.resolve("state");
    DnsServerResolver resolver = net.resolver();
    DnsServerResolver probeResolver = net.resolver();
    try (LiveRules rules =
            LiveRules.load(
                null, state.resolve(LearnedStore.FILE_NAME), Duration.ZERO, Clock.systemUTC());
        Detection detection =
            new Detection(
                CensoredLoopback.settings(),
                state,
                new RelayTransport(
                    List.of(net.key),
                    RelayTransport.DEFAULT_CONNECT_TIMEOUT,
                    RelayTransport.DEFAULT_DOWN_FOR,
                    resolver),
                net.trust(),
                Clock.systemUTC());
        Client client =
            Client.builder()
                .http(new InetSocketAddress("127.0.0.1", 0))
                .socks(new InetSocketAddress("127.0.0.1", 0))
                .relay(net.key)
                .resolver(resolver)
                .router(rules)
                .autoRoute(detection.autoRoute())
                .start()) {
      detection.onLearned(rules);
      HttpClient browser =
          HttpClient.newBuilder()
              .proxy(ProxySelector.of(client.httpAddress()))
              .sslContext(net.https.clientContext())
              .connectTimeout(Duration.ofSeconds(10))
              .build();
      for (Case c : cases()) {
        try {
          browser.send(
              HttpRequest.newBuilder(URI.create(url(c) + c.path()))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
          // down and broken hosts fail; the verdict is what counts
        }
        // The attempt has judged before the browser hears anything: an answer through the relay
        // comes after the learning (which the router knows at once), a failure after the
        // judgement.
        live.put(c.host(), learned(rules.decide(Destination.of(c.host(), 443))));
      }
    }
    try (Prober prober =
        new Prober(
            List.of(net.key),
            probeResolver,
            CensoredLoopback.settings(),
            net.trust(),
            Clock.systemUTC())) {
      List<ProbeTarget> targets =
          cases().stream()
              .map(
                  c ->
                      new ProbeTarget(
                          c.host(), port(c, true), c.tls() ? 0 : net.http.port(), c.path()))
              .toList();
      for (ProbeResult r : prober.probeAll(targets, 4, x -> {})) {
        probed.put(r.host(), r.evidence().map(Evidence::technique));
      }
    } finally {
      resolver.close();
      probeResolver.close();
    }
  }

  /** The technique a router's decision names for a learned host (the evidence in its reason). */
  static Optional<Technique> learned(Decision d) {
    if (d.action() != Action.RELAY) {
      return Optional.empty();
    }
    return Stream.of(Technique.values())
        .filter(t -> d.reason().contains("technique=" + t.label() + ";"))
        .findFirst();
  }

  static String url(Case c) {
    return (c.tls() ? "https://" : "http://") + c.host() + ":" + port(c, c.tls());
  }

  static int port(Case c, boolean tls) {
    if (!tls) {
      return net.http.port();
    }
    return switch (c.host()) {
      case "down.example" -> net.closedPort;
      case "broken.example" -> net.broken.port();
      default -> net.https.port();
    };
  }

  @AfterAll
  static void stop() {
    if (net != null) {
      net.close();
    }
  }

  static Stream<Case> all() {
    return cases().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("all")
  void theLivePathAndTheProbeReachTheSameVerdict(Case c) {
    assertThat(live.get(c.host()))
        .as("live verdict for %s", c.host())
        .isEqualTo(Optional.ofNullable(c.expected()));
    assertThat(probed.get(c.host()))
        .as("probe verdict for %s", c.host())
        .isEqualTo(live.get(c.host()));
  }
}
