package io.sidestep.client.probe;

import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.CensorBox;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import io.sidestep.server.Relay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.X509TrustManager;

/**
 * Every host of a probe list on loopback, each planted with one outcome, for the {@code probe}
 * benchmark and its check. Nothing leaves loopback: the local resolver is a {@link FakeDnsServer}
 * (the probe's {@code --dns}); open hosts resolve to one HTTPS origin (a certificate per name,
 * chosen by SNI, under a test CA) and one HTTP origin on 127.0.0.1; censored hosts resolve to
 * censor boxes on 127.0.0.2 (same ports), which reset or go silent after a ClientHello naming them
 * and pass the rest on; down hosts resolve to 127.0.0.5, where nothing listens, for the relay too.
 * The relay runs in-process and resolves every other name to 127.0.0.1, as it would from abroad.
 *
 * <p>Outcomes are planted in list order by {@link #PATTERN}, so any 20 consecutive hosts hold every
 * outcome and the whole list holds them in its shares.
 */
final class PlantedLoopback implements AutoCloseable {

  /** What a host meets on the direct path, and the verdict the probe must give it. */
  enum Planted {
    /** Resolves, handshakes, serves: ok. */
    OPEN(ProbeVerdict.OK, null),
    /** The local resolver says NXDOMAIN, the relay's resolves it: dns (technique 1). */
    NXDOMAIN(ProbeVerdict.DNS, Technique.DNS_NXDOMAIN),
    /** Reset right after the ClientHello: tls (technique 7). */
    RESET(ProbeVerdict.TLS, Technique.TLS_RESET),
    /** Silence after the ClientHello until the 3 s first-read timeout: tls (technique 8). */
    SILENT(ProbeVerdict.TLS, Technique.TLS_SILENCE),
    /** Connection refused direct and through the relay: down, never blocked. */
    DOWN(ProbeVerdict.DOWN, null);

    final ProbeVerdict verdict;
    final Technique technique;

    Planted(ProbeVerdict verdict, Technique technique) {
      this.verdict = verdict;
      this.technique = technique;
    }

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * The mix, repeated over the list in order: of every 20 hosts 12 are open (60 %), 1 gets NXDOMAIN
   * (5 %), 2 are reset (10 %), 3 meet silence (15 %, Kazakhstan's main method in 2023-24 and the
   * costly one) and 2 are down everywhere (10 %). That is more blocking than OONI measures in
   * Kazakhstan, on purpose: silence is what makes a probe slow.
   */
  static final List<Planted> PATTERN =
      List.of(
          Planted.OPEN,
          Planted.SILENT,
          Planted.OPEN,
          Planted.RESET,
          Planted.OPEN,
          Planted.OPEN,
          Planted.DOWN,
          Planted.OPEN,
          Planted.SILENT,
          Planted.OPEN,
          Planted.NXDOMAIN,
          Planted.OPEN,
          Planted.OPEN,
          Planted.RESET,
          Planted.OPEN,
          Planted.SILENT,
          Planted.OPEN,
          Planted.DOWN,
          Planted.OPEN,
          Planted.OPEN);

  static final String ORIGIN = "127.0.0.1";
  static final String CENSOR = "127.0.0.2";
  static final String NOWHERE = "127.0.0.5";

  private final Map<String, Planted> planted = new LinkedHashMap<>();
  private final List<ProbeTarget> targets = new ArrayList<>();
  private final CertifiedKey ca;
  private final TestOrigin https;
  private final TestOrigin http;
  private final CensorBox censorTls;
  private final CensorBox censorHttp;
  private final FakeDnsServer dns;
  private final Relay relay;
  private final AccessKey key;

  /**
   * Plants {@code listed} (as read from a list: ports 443 and 80) on loopback, in {@code tmp}.
   *
   * @throws IllegalArgumentException for an IP-literal host, which cannot be kept on loopback
   */
  PlantedLoopback(List<ProbeTarget> listed, Path tmp) throws Exception {
    for (int i = 0; i < listed.size(); i++) {
      String host = listed.get(i).host();
      if (IpLiterals.isIpLiteral(host)) {
        throw new IllegalArgumentException(
            "host " + host + " is an address (expected: names only, to keep probes on loopback)");
      }
      planted.put(host, PATTERN.get(i % PATTERN.size()));
    }
    ca = CertificateBuilder.subject("CN=Probe Bench CA").ca().selfSigned();
    Map<String, CertifiedKey> leaves = new HashMap<>();
    for (String host : planted.keySet()) {
      leaves.put(host, CertificateBuilder.subject("CN=" + host).dnsNames(host).signedBy(ca));
    }
    https = TestOrigin.https(leaves, CertificateBuilder.subject("CN=fallback").signedBy(ca));
    http = TestOrigin.http();
    for (ProbeTarget t : listed) {
      targets.add(
          new ProbeTarget(t.host(), https.port(), t.hasHttp() ? http.port() : 0, t.httpPath()));
    }
    censorTls = CensorBox.start(new InetSocketAddress(CENSOR, https.port()), https.address());
    // Plain HTTP of a censored host passes: the block planted is the TLS one.
    censorHttp = CensorBox.start(new InetSocketAddress(CENSOR, http.port()), http.address());
    dns = FakeDnsServer.start();
    planted.forEach(
        (host, p) -> {
          switch (p) {
            case OPEN -> dns.answer(host, ORIGIN);
            case NXDOMAIN -> dns.nxdomain(host);
            case RESET -> {
              dns.answer(host, CENSOR);
              censorTls.block(host, CensorBox.Action.RESET);
            }
            case SILENT -> {
              dns.answer(host, CENSOR);
              censorTls.block(host, CensorBox.Action.SILENCE);
            }
            case DOWN -> dns.answer(host, NOWHERE);
          }
        });
    InetAddress origin = IpLiterals.parse(ORIGIN);
    InetAddress nowhere = IpLiterals.parse(NOWHERE);
    relay =
        Relay.builder()
            .listen(new InetSocketAddress(ORIGIN, 0))
            .stateDir(tmp.resolve("relay"))
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .resolver(
                host ->
                    CompletableFuture.completedFuture(
                        List.of(planted.get(host) == Planted.DOWN ? nowhere : origin)))
            .start();
    key = relay.addUser("bench");
  }

  /** The hosts with the origins' ports, in list order. */
  List<ProbeTarget> targets() {
    return List.copyOf(targets);
  }

  Planted planted(String host) {
    return planted.get(host);
  }

  /** How many hosts got each outcome. */
  Map<Planted, Integer> counts() {
    Map<Planted, Integer> m = new EnumMap<>(Planted.class);
    planted.values().forEach(p -> m.merge(p, 1, Integer::sum));
    return m;
  }

  /** The first {@code n} hosts of each outcome, in list order. */
  List<ProbeTarget> sample(int n) {
    Map<Planted, Integer> taken = new EnumMap<>(Planted.class);
    List<ProbeTarget> out = new ArrayList<>();
    for (ProbeTarget t : targets) {
      Planted p = planted.get(t.host());
      if (taken.getOrDefault(p, 0) < n) {
        taken.merge(p, 1, Integer::sum);
        out.add(t);
      }
    }
    return out;
  }

  /** Why {@code r} is not what was planted for its host, or empty when it is. */
  Optional<String> mismatch(ProbeResult r) {
    Planted p = planted.get(r.host());
    if (p == null) {
      return Optional.of(r.host() + ": not planted");
    }
    Technique seen = r.evidence().map(e -> e.technique()).orElse(null);
    if (r.verdict() != p.verdict || (p.technique != null && seen != p.technique)) {
      return Optional.of(
          r.host()
              + ": planted "
              + p.label()
              + ", probe says "
              + r.verdict().label()
              + (seen == null ? "" : " (" + seen.label() + ")")
              + ": "
              + r.text());
    }
    return Optional.empty();
  }

  /** A fresh resolver asking the fake DNS server, as {@code --dns 127.0.0.1:PORT} builds. */
  DnsServerResolver resolver() {
    return new DnsServerResolver(new InetSocketAddress(ORIGIN, dns.port()));
  }

  AccessKey key() {
    return key;
  }

  /** Trusts the test CA only, as the JVM's store trusts public CAs. */
  X509TrustManager trust() {
    return KeyStores.trustManager(List.of(ca.certificate()));
  }

  /**
   * The probe's defaults (connect timeout 2 s, first-read timeout 3 s) with one change: only 10/8
   * plays a bogon, because on loopback every answer is in 127/8.
   */
  static DetectionSettings settings() {
    return DetectionSettings.defaults().withBogons(List.of(Cidr.parse("10.0.0.0/8")));
  }

  @Override
  public void close() {
    for (AutoCloseable c : new AutoCloseable[] {relay, dns, censorTls, censorHttp, https, http}) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }
}
