package io.sidestep.client.probe;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.Future;
import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.detect.HttpFetch;
import io.sidestep.client.detect.Outcomes;
import io.sidestep.client.detect.RelayResolver;
import io.sidestep.client.detect.TlsProbe;
import io.sidestep.client.dial.DefaultDialer;
import io.sidestep.client.dial.Dialer;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.core.detect.AttemptJudge;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.ChainReport;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DnsJudge;
import io.sidestep.core.detect.DnsVerdict;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.InterceptionCheck;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.RelayChain;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.X509TrustManager;

/**
 * Measures hosts the way the client judges traffic, each step direct and, when it fails or looks
 * wrong, through the relay as the control: DNS (techniques 1-3), TCP connect (5, 6), a TLS
 * handshake with the host's SNI (7, 8, and the chain for 11; slow handshakes are sampled for 12),
 * and for {@code http://} entries a plain GET compared with the relay's (9, 10). One verdict per
 * host with its evidence. Without a relay nothing can be told from an outage: failures are {@code
 * down}.
 */
public final class Prober implements AutoCloseable {

  /** Handshake and HTTP budget per step: 10 s (OONI's). */
  static final Duration STEP = Duration.ofSeconds(10);

  private final EventLoopGroup group;
  private final Dialer dialer;
  private final RelayResolver relayDns;
  private final DetectionSettings settings;
  private final DnsJudge dns;
  private final AttemptJudge attempts;
  private final InterceptionCheck interception;
  private final HttpDiff httpDiff;
  private final ThrottleJudge throttle;
  private final boolean haveRelay;

  public Prober(
      List<AccessKey> keys,
      Resolver resolver,
      DetectionSettings settings,
      X509TrustManager trust,
      Clock clock) {
    this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    this.haveRelay = !keys.isEmpty();
    RelayTransport relays =
        keys.isEmpty()
            ? null
            : new RelayTransport(keys, STEP, RelayTransport.DEFAULT_DOWN_FOR, resolver);
    this.dialer =
        new DefaultDialer(
            resolver, relays == null ? RelayConnector.NONE : relays, settings.connectTimeout());
    this.relayDns = relays == null ? RelayResolver.NONE : relays;
    this.settings = settings;
    this.dns = new DnsJudge(settings.blockPages(), settings.bogons(), clock);
    this.attempts = new AttemptJudge(clock);
    this.interception = new InterceptionCheck(trust, clock);
    this.httpDiff = new HttpDiff(clock);
    this.throttle = new ThrottleJudge(clock);
  }

  /**
   * Probes every target, at most {@code parallel} at a time, reporting each result as it comes;
   * returns the results in the order of {@code targets}.
   */
  public List<ProbeResult> probeAll(
      List<ProbeTarget> targets, int parallel, Consumer<ProbeResult> progress)
      throws InterruptedException {
    Semaphore slots = new Semaphore(Math.max(1, parallel));
    List<CompletableFuture<ProbeResult>> all = new ArrayList<>();
    for (ProbeTarget t : targets) {
      slots.acquire();
      CompletableFuture<ProbeResult> f =
          probe(t)
              .exceptionally(e -> ProbeResult.down(t.host(), "probe failed: " + e, Duration.ZERO))
              .whenComplete(
                  (r, e) -> {
                    slots.release();
                    progress.accept(r);
                  });
      all.add(f);
    }
    List<ProbeResult> results = new ArrayList<>();
    for (CompletableFuture<ProbeResult> f : all) {
      results.add(f.join());
    }
    return results;
  }

  /** One step's finding: blocked with evidence, fine, or failed everywhere. */
  private record Step(Optional<Evidence> blocked, boolean ok, String detail) {
    static Step blocked(Evidence e) {
      return new Step(Optional.of(e), false, e.text());
    }

    static Step ok(String detail) {
      return new Step(Optional.empty(), true, detail);
    }

    static Step down(String detail) {
      return new Step(Optional.empty(), false, detail);
    }
  }

  /** Probes one target. Never completes exceptionally on network trouble. */
  public CompletableFuture<ProbeResult> probe(ProbeTarget target) {
    long start = System.nanoTime();
    EventLoop loop = group.next();
    String host = target.host();
    CompletableFuture<ProbeResult> result = new CompletableFuture<>();
    resolve(loop, target)
        .thenAccept(
            dnsStep -> {
              if (dnsStep.step != null) {
                result.complete(toResult(host, List.of(dnsStep.step), start));
                return;
              }
              tls(loop, target, dnsStep.addresses)
                  .thenCompose(
                      tls ->
                          target.hasHttp()
                              ? http(loop, target, dnsStep.addresses)
                                  .thenApply(h -> List.of(tls, h))
                              : CompletableFuture.completedFuture(List.of(tls)))
                  .thenAccept(steps -> result.complete(toResult(host, steps, start)))
                  .exceptionally(
                      e -> {
                        result.complete(
                            ProbeResult.down(
                                host, "probe failed: " + e.getMessage(), since(start)));
                        return null;
                      });
            })
        .exceptionally(
            e -> {
              result.complete(
                  ProbeResult.down(host, "probe failed: " + e.getMessage(), since(start)));
              return null;
            });
    return result;
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static ProbeResult toResult(String host, List<Step> steps, long start) {
    for (Step s : steps) {
      if (s.blocked.isPresent()) {
        return ProbeResult.blocked(host, s.blocked.get(), since(start));
      }
    }
    List<String> details = steps.stream().map(Step::detail).filter(d -> !d.isEmpty()).toList();
    String detail = String.join("; ", details);
    return steps.stream().anyMatch(Step::ok)
        ? ProbeResult.ok(host, detail, since(start))
        : ProbeResult.down(host, detail, since(start));
  }

  // ---- DNS ----------------------------------------------------------------------------------

  private record DnsStep(Step step, List<InetAddress> addresses) {}

  private CompletableFuture<DnsStep> resolve(EventLoop loop, ProbeTarget t) {
    if (IpLiterals.isIpLiteral(t.host())) {
      return CompletableFuture.completedFuture(
          new DnsStep(null, List.of(IpLiterals.parse(t.host()))));
    }
    return dialer
        .resolveDirect(t.tls())
        .handle((list, error) -> error == null ? Lookup.addresses(list) : Outcomes.lookup(error))
        .thenCompose(
            local -> {
              if (!dns.suspicious(local)) {
                return CompletableFuture.completedFuture(new DnsStep(null, local.list()));
              }
              return relayDns
                  .lookup(loop, t.host())
                  .thenApply(
                      relay -> {
                        DnsVerdict v = dns.judge(t.host(), local, relay);
                        if (v instanceof DnsVerdict.Tampered tampered) {
                          return new DnsStep(Step.blocked(tampered.evidence()), null);
                        }
                        if (v instanceof DnsVerdict.Consistent c) {
                          return new DnsStep(null, c.addresses());
                        }
                        if (v instanceof DnsVerdict.NotFound n) {
                          return new DnsStep(Step.down("no such name: " + n.reason()), null);
                        }
                        DnsVerdict.Unknown u = (DnsVerdict.Unknown) v;
                        return local.list().isEmpty()
                            ? new DnsStep(Step.down(u.reason()), null)
                            : new DnsStep(null, local.list());
                      });
            });
  }

  // ---- TLS ----------------------------------------------------------------------------------

  private static <T> CompletableFuture<T> cf(Future<T> f) {
    CompletableFuture<T> c = new CompletableFuture<>();
    f.addListener(
        x -> {
          if (f.isSuccess()) {
            c.complete(f.getNow());
          } else {
            c.completeExceptionally(f.cause());
          }
        });
    return c;
  }

  private String sni(String host) {
    return IpLiterals.isIpLiteral(host) ? null : host;
  }

  private CompletableFuture<TlsProbe.Result> directHandshake(
      EventLoop loop, ProbeTarget t, InetAddress address) {
    return cf(
        TlsProbe.direct(
            loop,
            new InetSocketAddress(address, t.tlsPort()),
            sni(t.host()),
            t.tlsPort(),
            settings.connectTimeout(),
            settings.firstReadTimeout(),
            STEP));
  }

  /** A handshake through the relay, or a failure naming why. */
  private CompletableFuture<TlsProbe.Result> relayHandshake(EventLoop loop, ProbeTarget t) {
    return cf(dialer.connectRelay(loop, t.tls()))
        .thenCompose(
            ch ->
                cf(
                    TlsProbe.over(
                        ch, sni(t.host()), t.tlsPort(), settings.relayAnswerTimeout(), STEP)))
        .exceptionally(
            e ->
                new TlsProbe.ConnectFailed(
                    null, DialException.of(e, "relay to " + t.tls()).getMessage()));
  }

  private CompletableFuture<Step> tls(EventLoop loop, ProbeTarget t, List<InetAddress> addresses) {
    if (addresses.isEmpty()) {
      return CompletableFuture.completedFuture(Step.down("no address"));
    }
    long start = System.nanoTime();
    return directHandshake(loop, t, addresses.get(0))
        .thenCompose(
            r -> {
              if (r instanceof TlsProbe.Done done) {
                return chain(loop, t, addresses.get(0), done);
              }
              if (r instanceof TlsProbe.ConnectFailed cfail) {
                if (cfail.failure() == null) {
                  return CompletableFuture.completedFuture(Step.down(cfail.detail()));
                }
                DirectOutcome out = DirectOutcome.connectFailed(cfail.failure(), since(start));
                return cf(dialer.connectRelay(loop, t.tls()))
                    .handle(
                        (ch, e) -> {
                          if (ch != null) {
                            ch.close();
                            return judged(out, RelayOutcome.succeeded("relay connect ok"));
                          }
                          return judged(
                              out,
                              Outcomes.relayOutcome(DialException.of(e, "relay to " + t.tls())));
                        });
              }
              TlsProbe.Failed f = (TlsProbe.Failed) r;
              Duration after =
                  f.failure() == DirectOutcome.StreamFailure.SILENCE
                      ? settings.firstReadTimeout()
                      : f.took();
              DirectOutcome out =
                  DirectOutcome.streamFailed(
                      f.failure(),
                      f.bytesRead(),
                      new FirstFlight.ClientHello(Optional.ofNullable(sni(t.host())), 0),
                      after);
              return relayHandshake(loop, t)
                  .thenApply(
                      rr ->
                          rr instanceof TlsProbe.Done
                              ? judged(out, RelayOutcome.succeeded("relay handshake ok"))
                              : judged(out, RelayOutcome.failed(describe(rr))));
            });
  }

  private Step judged(DirectOutcome out, RelayOutcome relay) {
    if (!haveRelay) {
      return Step.down(describe(out) + "; no relay to compare with");
    }
    Judgement j = attempts.judge(out, relay, false);
    if (j instanceof Judgement.Censored c) {
      return Step.blocked(c.evidence());
    }
    if (j instanceof Judgement.Outage o) {
      return Step.down(o.reason());
    }
    return Step.ok(((Judgement.Ok) j).note());
  }

  private static String describe(DirectOutcome out) {
    if (out instanceof DirectOutcome.StreamFailed s) {
      return s.failure().name().toLowerCase(java.util.Locale.ROOT)
          + " after ClientHello, "
          + s.bytesRead()
          + " bytes read";
    }
    if (out instanceof DirectOutcome.ConnectFailed c) {
      return "connect " + c.failure().name().toLowerCase(java.util.Locale.ROOT);
    }
    return "direct works";
  }

  private static String describe(TlsProbe.Result r) {
    if (r instanceof TlsProbe.ConnectFailed c) {
      return c.detail();
    }
    if (r instanceof TlsProbe.Failed f) {
      return "relay handshake: " + f.failure().name().toLowerCase(java.util.Locale.ROOT);
    }
    return "relay handshake ok";
  }

  private CompletableFuture<Step> chain(
      EventLoop loop, ProbeTarget t, InetAddress address, TlsProbe.Done done) {
    ChainReport report = interception.inspect(t.host(), done.chain());
    if (report.clean()) {
      CompletableFuture<Step> plain =
          done.took().compareTo(throttle.thresholds().minSlowHandshake()) >= 0 && haveRelay
              ? throttleSamples(loop, t, address, done.took())
              : CompletableFuture.completedFuture(
                  Step.ok("TLS handshake ok in " + done.took().toMillis() + " ms"));
      if (!haveRelay) {
        return plain;
      }
      // Compare the leaf with the relay's: a copy under a root the user installed.
      return relayHandshake(loop, t)
          .thenCompose(
              rr -> {
                if (rr instanceof TlsProbe.Done rd) {
                  CertVerdict v =
                      interception.judge(t.host(), done.chain(), RelayChain.seen(rd.chain()));
                  if (v instanceof CertVerdict.Mitm m) {
                    return CompletableFuture.completedFuture(Step.blocked(m.evidence()));
                  }
                }
                return plain;
              });
    }
    return relayHandshake(loop, t)
        .thenApply(
            rr -> {
              List<X509Certificate> empty = List.of();
              RelayChain relay =
                  rr instanceof TlsProbe.Done rd
                      ? RelayChain.seen(rd.chain().isEmpty() ? empty : rd.chain())
                      : RelayChain.failed(describe(rr));
              CertVerdict v = interception.judge(t.host(), done.chain(), relay);
              if (v instanceof CertVerdict.Mitm m) {
                return Step.blocked(m.evidence());
              }
              if (v instanceof CertVerdict.BrokenForEveryone b) {
                return Step.ok("certificate broken for everyone: " + b.reason());
              }
              if (v instanceof CertVerdict.Unknown u) {
                return Step.down(u.reason());
              }
              return Step.ok(((CertVerdict.Ok) v).note());
            });
  }

  /** The first handshake was slow: two more direct and three through the relay, then judge. */
  private CompletableFuture<Step> throttleSamples(
      EventLoop loop, ProbeTarget t, InetAddress address, Duration first) {
    List<Duration> direct = new ArrayList<>(List.of(first));
    List<Duration> relay = new ArrayList<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int i = 0; i < 2; i++) {
      chain =
          chain.thenCompose(
              x ->
                  directHandshake(loop, t, address)
                      .thenAccept(
                          r -> {
                            if (r instanceof TlsProbe.Done d) {
                              direct.add(d.took());
                            }
                          }));
    }
    for (int i = 0; i < 3; i++) {
      chain =
          chain.thenCompose(
              x ->
                  relayHandshake(loop, t)
                      .thenAccept(
                          r -> {
                            if (r instanceof TlsProbe.Done d) {
                              relay.add(d.took());
                            }
                          }));
    }
    return chain.thenApply(
        x ->
            throttle
                .judge(new ThrottleJudge.Samples(List.of(), List.of(), direct, relay))
                .map(Step::blocked)
                .orElse(
                    Step.ok(
                        "TLS handshake ok in " + first.toMillis() + " ms (slow, not throttled)")));
  }

  // ---- plain HTTP ---------------------------------------------------------------------------

  private CompletableFuture<Step> http(EventLoop loop, ProbeTarget t, List<InetAddress> addresses) {
    Destination dest = t.http();
    byte[] request = HttpFetch.get(t.host(), t.httpPath());
    FirstFlight flight = FirstFlight.inspect(request);
    long start = System.nanoTime();
    CompletableFuture<HttpFetch.Fetch> viaRelay =
        haveRelay
            ? cf(dialer.connectRelay(loop, dest))
                .thenCompose(
                    ch -> cf(HttpFetch.over(ch, request, settings.relayAnswerTimeout(), STEP)))
                .exceptionally(e -> null)
            : CompletableFuture.completedFuture(null);
    CompletableFuture<Object> direct =
        cf(dialer.connectDirect(loop, dest, addresses, settings.connectTimeout()))
            .<Object>thenCompose(
                ch ->
                    cf(HttpFetch.over(ch, request, settings.firstReadTimeout(), STEP))
                        .thenApply(f -> f))
            .exceptionally(e -> DialException.of(e, "direct to " + dest));
    return direct
        .thenCombine(viaRelay, (d, r) -> new Object[] {d, r})
        .thenCompose(
            pair -> {
              Object d = pair[0];
              HttpFetch.Fetch r = (HttpFetch.Fetch) pair[1];
              RelayOutcome relay =
                  r == null
                      ? RelayOutcome.unreachable("relay tunnel failed")
                      : r.bytesRead() > 0
                          ? RelayOutcome.succeeded("relay answered the GET request")
                          : RelayOutcome.failed("relay: " + r.failure());
              if (d instanceof DialException e) {
                DirectOutcome.ConnectFailure kind = Outcomes.connectFailure(e);
                if (kind == null) {
                  return CompletableFuture.completedFuture(Step.down(e.getMessage()));
                }
                return CompletableFuture.completedFuture(
                    judged(DirectOutcome.connectFailed(kind, since(start)), relayConnect(r)));
              }
              HttpFetch.Fetch df = (HttpFetch.Fetch) d;
              if (df.failure() != null && df.bytesRead() <= AttemptJudge.COUNTED_BYTES) {
                Duration after =
                    df.failure() == DirectOutcome.StreamFailure.SILENCE
                        ? settings.firstReadTimeout()
                        : df.took();
                return CompletableFuture.completedFuture(
                    judged(
                        DirectOutcome.streamFailed(df.failure(), df.bytesRead(), flight, after),
                        relay));
              }
              Optional<ResponseSummary> ds = df.summary();
              Optional<ResponseSummary> rs = r == null ? Optional.empty() : r.summary();
              if (ds.isEmpty()) {
                return CompletableFuture.completedFuture(Step.ok("direct answer is not HTTP"));
              }
              if (rs.isEmpty()) {
                return CompletableFuture.completedFuture(
                    Step.ok(
                        "HTTP " + ds.get().status() + " direct; relay gave no answer to compare"));
              }
              return compare(loop, t.host(), ds.get(), rs.get());
            });
  }

  private static RelayOutcome relayConnect(HttpFetch.Fetch r) {
    return r == null
        ? RelayOutcome.failed("relay tunnel failed")
        : RelayOutcome.succeeded("relay connect ok");
  }

  private CompletableFuture<Step> compare(
      EventLoop loop, String host, ResponseSummary direct, ResponseSummary relay) {
    Optional<String> confirm = HttpDiff.redirectHostToConfirm(host, direct, relay);
    CompletableFuture<HttpDiff.RedirectCheck> check =
        confirm.isEmpty()
            ? CompletableFuture.completedFuture(HttpDiff.RedirectCheck.UNCHECKED)
            : relayDns
                .lookup(loop, confirm.get())
                .thenApply(
                    l ->
                        l instanceof Lookup.Failed
                            ? HttpDiff.RedirectCheck.UNCHECKED
                            : l.list().isEmpty()
                                ? HttpDiff.RedirectCheck.NOT_CONFIRMED
                                : HttpDiff.RedirectCheck.CONFIRMED);
    return check.thenApply(
        c -> {
          HttpDiff.Verdict v = httpDiff.compare(host, direct, relay, c);
          if (v instanceof HttpDiff.Verdict.BlockPage b) {
            return Step.blocked(b.evidence());
          }
          if (v instanceof HttpDiff.Verdict.Same s) {
            return Step.ok("HTTP " + direct.status() + " same as the relay's (" + s.note() + ")");
          }
          return Step.ok(
              "HTTP " + direct.status() + "; " + ((HttpDiff.Verdict.Unknown) v).reason());
        });
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
