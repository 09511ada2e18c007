package io.sidestep.server.internal;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The relay's Prometheus metrics, in a registry of its own (not the library's default one, so two
 * relays in one JVM do not mix):
 *
 * <ul>
 *   <li>{@code sidestep_relay_bytes_total{user,direction}}: bytes of user traffic, {@code up} from
 *       the user, {@code down} to the user;
 *   <li>{@code sidestep_relay_tunnels_open}: authenticated connections open now;
 *   <li>{@code sidestep_relay_tunnels_total{result}}: tunnels and forwarded requests by result:
 *       {@code ok}, {@code refused_by_policy}, {@code unreachable}, {@code over_limit};
 *   <li>{@code sidestep_relay_tls_handshakes_total{result}}: {@code ok} or {@code failed};
 *   <li>{@code sidestep_relay_probes_total{kind}}: visitors answered as a web site: {@code
 *       no_credentials}, {@code wrong_credentials}, or {@code not_tls} (the first byte was not a
 *       TLS handshake), or {@code source_limited} (closed at once by the per-source limits);
 *   <li>{@code sidestep_relay_destination_connect_seconds}: time to connect to destinations;
 *   <li>{@code sidestep_relay_users}, and {@code sidestep_relay_build_info{version}}.
 * </ul>
 *
 * Never a destination or a token in a label.
 */
public final class Metrics {

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter bytes;
  private final Counter tunnels;
  private final Counter handshakes;
  private final Counter probes;
  private final Histogram connect;

  public Metrics(Accounts accounts, String version) {
    bytes =
        Counter.builder()
            .name("sidestep_relay_bytes_total")
            .help("Bytes of user traffic: up from the user, down to the user.")
            .labelNames("user", "direction")
            .register(registry);
    GaugeWithCallback.builder()
        .name("sidestep_relay_tunnels_open")
        .help("Authenticated connections open now.")
        .callback(cb -> cb.call(accounts.openConnections()))
        .register(registry);
    tunnels =
        Counter.builder()
            .name("sidestep_relay_tunnels_total")
            .help("Tunnels and forwarded requests of users, by result.")
            .labelNames("result")
            .register(registry);
    handshakes =
        Counter.builder()
            .name("sidestep_relay_tls_handshakes_total")
            .help("TLS handshakes, by result.")
            .labelNames("result")
            .register(registry);
    probes =
        Counter.builder()
            .name("sidestep_relay_probes_total")
            .help("Connections answered as a web site or closed, by why.")
            .labelNames("kind")
            .register(registry);
    connect =
        Histogram.builder()
            .name("sidestep_relay_destination_connect_seconds")
            .help("Time to connect to a destination, the name's look-up included.")
            .classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
            .register(registry);
    GaugeWithCallback.builder()
        .name("sidestep_relay_users")
        .help("Users in the users file.")
        .callback(cb -> cb.call(accounts.users()))
        .register(registry);
    Info build =
        Info.builder()
            .name("sidestep_relay_build_info")
            .help("The relay's version.")
            .labelNames("version")
            .register(registry);
    build.setLabelValues(version);
    // Every result label exists from the start, so a rate() over a fresh relay sees zeros.
    for (String r : new String[] {"ok", "refused_by_policy", "unreachable", "over_limit"}) {
      tunnels.labelValues(r);
    }
    handshakes.labelValues("ok");
    handshakes.labelValues("failed");
    for (String k :
        new String[] {"no_credentials", "wrong_credentials", "not_tls", "source_limited"}) {
      probes.labelValues(k);
    }
  }

  /** A counter of {@code user}'s bytes one way; {@code up} is from the user. */
  public java.util.function.LongConsumer bytes(String user, boolean up) {
    var c = bytes.labelValues(user, up ? "up" : "down");
    return n -> c.inc(n);
  }

  /** Counts a user's tunnel by the connection record's result word. */
  public void tunnel(String result) {
    String label =
        switch (result) {
          case "ok" -> "ok";
          case "refused" -> "refused_by_policy";
          case "over-limit" -> "over_limit";
          case "dns-failed", "connect-timeout", "connect-failed", "overloaded", "error" ->
              "unreachable";
          default -> null;
        };
    if (label != null) {
      tunnels.labelValues(label).inc();
    }
  }

  public void handshake(boolean ok) {
    handshakes.labelValues(ok ? "ok" : "failed").inc();
  }

  public void probe(String kind) {
    probes.labelValues(kind).inc();
  }

  public void connectTime(long nanos) {
    connect.observe(nanos / 1e9);
  }

  /** The metrics in Prometheus' text format (version 0.0.4). */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
