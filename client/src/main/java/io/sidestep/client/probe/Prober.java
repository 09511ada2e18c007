package io.sidestep.client.probe;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.detect.RelayResolver;
import io.sidestep.client.detect.Steps;
import io.sidestep.client.detect.Steps.ConnectResult;
import io.sidestep.client.detect.Steps.DnsResult;
import io.sidestep.client.detect.TlsProbe;
import io.sidestep.client.dial.Dialer;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.dial.internal.DefaultDialer;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.detect.SuspectAnswer;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
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
 * Measures hosts by driving the same {@link Steps} as the client's live detection, each step direct
 * and, when it fails or looks wrong, through the relay as the control: DNS, the TCP connect, a TLS
 * handshake with the host's SNI (and its chain; slow handshakes are sampled for throttling), and
 * for {@code http://} entries a plain GET compared with the relay's. One verdict per host with its
 * evidence. Without a relay nothing can be told from an outage: failures are {@code down}.
 */
public final class Prober implements AutoCloseable {

  /** The most one host's probe may take, all steps together: 2 minutes. */
  static final Duration WHOLE_PROBE = Duration.ofMinutes(2);

  /** How long a relay link may take to come up: 10 s. */
  static final Duration RELAY_CONNECT = Duration.ofSeconds(10);

  private final EventLoopGroup group;
  private final Dialer dialer;
  private final Steps steps;
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
            : new RelayTransport(keys, RELAY_CONNECT, RelayTransport.DEFAULT_DOWN_FOR, resolver);
    this.dialer =
        new DefaultDialer(
            resolver, relays == null ? RelayConnector.NONE : relays, settings.connectTimeout());
    this.steps = new Steps(settings, relays == null ? RelayResolver.NONE : relays, trust, clock);
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
              // Each step has its own timeout; this bounds the whole, so that one step that never
              // completes costs a verdict, never a hang.
              .orTimeout(WHOLE_PROBE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
              .exceptionally(
                  e -> {
                    Throwable c =
                        e instanceof java.util.concurrent.CompletionException ? e.getCause() : e;
                    return ProbeResult.down(
                        t.host(),
                        c instanceof java.util.concurrent.TimeoutException
                            ? "probe did not finish within " + WHOLE_PROBE.toSeconds() + " s"
                            : "probe failed: " + c,
                        Duration.ZERO);
                  })
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
    return steps
        .dns(loop, dialer, target.tls())
        .thenCompose(
            r -> {
              if (r instanceof DnsResult.Tampered t) {
                return done(Step.blocked(t.evidence()));
              }
              if (r instanceof DnsResult.Unresolved u) {
                return done(Step.down(u.reason()));
              }
              List<InetAddress> addresses =
                  r instanceof DnsResult.Resolved ok
                      ? ok.addresses()
                      : ((DnsResult.RelayOnly) r).local();
              if (r instanceof DnsResult.RelayOnly ro && addresses.isEmpty()) {
                return done(Step.down(ro.reason()));
              }
              return tls(loop, target, addresses)
                  .thenCompose(
                      tls ->
                          target.hasHttp()
                              ? http(loop, target, addresses).thenApply(h -> List.of(tls, h))
                              : CompletableFuture.completedFuture(List.of(tls)));
            })
        .thenApply(all -> toResult(target.host(), all, start))
        .exceptionally(
            e -> ProbeResult.down(target.host(), "probe failed: " + e.getMessage(), since(start)));
  }

  private static CompletableFuture<List<Step>> done(Step step) {
    return CompletableFuture.completedFuture(List.of(step));
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

  // ---- TLS ----------------------------------------------------------------------------------

  private CompletableFuture<Step> tls(EventLoop loop, ProbeTarget t, List<InetAddress> addresses) {
    if (addresses.isEmpty()) {
      return CompletableFuture.completedFuture(Step.down("no address"));
    }
    return steps
        .connect(loop, dialer, t.tls(), addresses)
        .thenCompose(
            c -> {
              if (!(c instanceof ConnectResult.Connected)) {
                return CompletableFuture.completedFuture(notConnected(c));
              }
              return steps
                  .handshake(((ConnectResult.Connected) c).channel(), t.host(), t.tlsPort(), true)
                  .thenCompose(r -> handshook(loop, t, addresses, r));
            });
  }

  /** A direct connect that failed: judged against the relay's, or down (the relay is closed). */
  private Step notConnected(ConnectResult c) {
    if (c instanceof ConnectResult.Judged j) {
      if (j.relay() != null) {
        j.relay().close();
      }
      return judged(j.judgement(), j.direct().getMessage());
    }
    return Step.down(((ConnectResult.Failed) c).direct().getMessage());
  }

  private CompletableFuture<Step> handshook(
      EventLoop loop, ProbeTarget t, List<InetAddress> addresses, TlsProbe.Result r) {
    if (r instanceof TlsProbe.Done done) {
      return chain(loop, t, addresses, done);
    }
    if (r instanceof TlsProbe.ConnectFailed cf) {
      return CompletableFuture.completedFuture(Step.down(cf.detail()));
    }
    TlsProbe.Failed f = (TlsProbe.Failed) r;
    FirstFlight hello = new FirstFlight.ClientHello(Optional.ofNullable(sni(t.host())), 0);
    DirectOutcome out = steps.streamFailed(f.failure(), f.bytesRead(), hello, f.took());
    return steps
        .relayHandshake(loop, dialer, t.tls(), t.host())
        .thenApply(rr -> judged(out, Steps.relayOutcome(rr)));
  }

  private static String sni(String host) {
    return io.sidestep.core.net.IpLiterals.isIpLiteral(host) ? null : host;
  }

  private Step judged(DirectOutcome out, io.sidestep.core.detect.RelayOutcome relay) {
    return judged(steps.judge(out, relay), Steps.describe(out));
  }

  /** A judgement as a step; without a relay there was no control, and nothing can be told. */
  private Step judged(Judgement j, String direct) {
    if (!haveRelay) {
      return Step.down(direct + "; no relay to compare with");
    }
    if (j instanceof Judgement.Censored c) {
      return Step.blocked(c.evidence());
    }
    if (j instanceof Judgement.Outage o) {
      return Step.down(o.reason());
    }
    return Step.ok(((Judgement.Ok) j).note());
  }

  private CompletableFuture<Step> chain(
      EventLoop loop, ProbeTarget t, List<InetAddress> addresses, TlsProbe.Done done) {
    CompletableFuture<TlsProbe.Result> relayView =
        haveRelay
            ? steps.relayHandshake(loop, dialer, t.tls(), t.host())
            : CompletableFuture.completedFuture(
                new TlsProbe.ConnectFailed(null, "no relay configured"));
    if (steps.chainClean(t.host(), done.chain())) {
      // Compare the leaf with the relay's: a copy under a root the user installed.
      return relayView.thenCompose(
          rr -> {
            if (rr instanceof TlsProbe.Done
                && steps.judgeChain(t.host(), done.chain(), rr) instanceof CertVerdict.Mitm m) {
              return CompletableFuture.completedFuture(Step.blocked(m.evidence()));
            }
            return done.took().compareTo(throttle.thresholds().minSlowHandshake()) >= 0 && haveRelay
                ? throttleSamples(loop, t, addresses, done.took())
                : CompletableFuture.completedFuture(
                    Step.ok("TLS handshake ok in " + done.took().toMillis() + " ms"));
          });
    }
    return relayView.thenApply(
        rr -> {
          CertVerdict v = steps.judgeChain(t.host(), done.chain(), rr);
          if (v instanceof CertVerdict.Mitm m) {
            return Step.blocked(m.evidence());
          }
          return v instanceof CertVerdict.Unknown
              ? Step.down(Steps.describe(v))
              : Step.ok(Steps.describe(v));
        });
  }

  /** The first handshake was slow: two more direct and three through the relay, then judge. */
  private CompletableFuture<Step> throttleSamples(
      EventLoop loop, ProbeTarget t, List<InetAddress> addresses, Duration first) {
    List<Duration> direct = new ArrayList<>(List.of(first));
    List<Duration> relay = new ArrayList<>();
    CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
    for (int i = 0; i < 2; i++) {
      chain =
          chain.thenCompose(
              x ->
                  steps
                      .directHandshake(loop, dialer, t.tls(), addresses, t.host())
                      .thenAccept(r -> took(r, direct)));
    }
    for (int i = 0; i < 3; i++) {
      chain =
          chain.thenCompose(
              x ->
                  steps
                      .relayHandshake(loop, dialer, t.tls(), t.host())
                      .thenAccept(r -> took(r, relay)));
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

  private static void took(TlsProbe.Result r, List<Duration> into) {
    if (r instanceof TlsProbe.Done d) {
      into.add(d.took());
    }
  }

  // ---- plain HTTP ---------------------------------------------------------------------------

  private CompletableFuture<Step> http(EventLoop loop, ProbeTarget t, List<InetAddress> addresses) {
    Destination dest = t.http();
    byte[] request = Steps.httpGet(t.host(), t.httpPath());
    FirstFlight flight = FirstFlight.inspect(request);
    CompletableFuture<Steps.Fetch> viaRelay =
        haveRelay
            ? Steps.completable(dialer.connectRelay(loop, dest))
                .thenCompose(ch -> steps.fetch(ch, request, false))
                .exceptionally(e -> null)
            : CompletableFuture.completedFuture(null);
    CompletableFuture<Object> direct =
        steps
            .connect(loop, dialer, dest, addresses)
            .thenCompose(
                c ->
                    c instanceof ConnectResult.Connected ok
                        ? steps.fetch(ok.channel(), request, true).thenApply(f -> (Object) f)
                        : CompletableFuture.completedFuture(c));
    return direct
        .thenCombine(viaRelay, (d, r) -> httpJudged(loop, t, flight, d, r))
        .thenCompose(f -> f);
  }

  private CompletableFuture<Step> httpJudged(
      EventLoop loop, ProbeTarget t, FirstFlight flight, Object d, Steps.Fetch r) {
    if (d instanceof ConnectResult c) {
      return CompletableFuture.completedFuture(notConnected(c));
    }
    Steps.Fetch df = (Steps.Fetch) d;
    if (Steps.failedEarly(df.failure(), df.bytesRead())) {
      DirectOutcome out = steps.streamFailed(df.failure(), df.bytesRead(), flight, df.took());
      return CompletableFuture.completedFuture(
          judged(out, Steps.relayAnswer(flight, r != null, r == null ? 0 : r.bytesRead())));
    }
    Optional<ResponseSummary> ds = df.summary();
    Optional<ResponseSummary> rs = r == null ? Optional.empty() : r.summary();
    if (ds.isEmpty()) {
      return CompletableFuture.completedFuture(Step.ok("direct answer is not HTTP"));
    }
    // A fingerprinted block page needs no relay (no connect time given: the timing rule is off).
    if (steps.suspect(t.host(), ds.get(), Duration.ZERO, Duration.ZERO)
        instanceof SuspectAnswer.Verdict.BlockPage b) {
      return CompletableFuture.completedFuture(Step.blocked(b.evidence()));
    }
    if (rs.isEmpty()) {
      return CompletableFuture.completedFuture(
          Step.ok("HTTP " + ds.get().status() + " direct; relay gave no answer to compare"));
    }
    int status = ds.get().status();
    return steps
        .compareHttp(loop, t.host(), ds.get(), rs.get())
        .thenApply(
            v -> {
              if (v instanceof HttpDiff.Verdict.BlockPage b) {
                return Step.blocked(b.evidence());
              }
              if (v instanceof HttpDiff.Verdict.Same s) {
                return Step.ok("HTTP " + status + " same as the relay's (" + s.note() + ")");
              }
              return Step.ok("HTTP " + status + "; " + ((HttpDiff.Verdict.Unknown) v).reason());
            });
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
