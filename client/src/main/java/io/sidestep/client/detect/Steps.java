package io.sidestep.client.detect;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.sidestep.client.dial.Dialer;
import io.sidestep.core.detect.AttemptJudge;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.DnsJudge;
import io.sidestep.core.detect.DnsVerdict;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.InterceptionCheck;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.OutageGuard;
import io.sidestep.core.detect.RelayChain;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.detect.SuspectAnswer;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.X509TrustManager;

/**
 * The steps of detection, written once for both callers: {@link Detection}'s attempts on live
 * traffic and {@link io.sidestep.client.probe.Prober} for the {@code probe} command. Each step does
 * its part direct and, where the direct path failed or looks wrong, the same part through the relay
 * as the control, and hands both to the pure judges of {@code io.sidestep.core.detect}: the local
 * DNS answer ({@link #dns}), the connect ({@link #connect}), a TLS handshake of our own ({@link
 * #handshake}, {@link #relayHandshake}, {@link #judgeChain}), a failure after the first flight
 * ({@link #streamFailed}, {@link #judge}) and a plain-HTTP answer ({@link #compareHttp}). A network
 * therefore gets the same verdict on live traffic as in a probe report; the callers only decide
 * what to do with it (splice, replay and learn, or report).
 *
 * <p>Futures complete on the given event loop or a resolver thread, never exceptionally. The outage
 * guard is this instance's: every direct connect feeds it.
 */
public final class Steps {

  private final DetectionSettings settings;
  private final RelayResolver relayDns;
  private final Clock clock;
  private final DnsJudge dns;
  private final AttemptJudge attempts;
  private final InterceptionCheck interception;
  private final HttpDiff httpDiff;
  private final SuspectAnswer suspects;
  private final OutageGuard guard = new OutageGuard();

  /**
   * @param relayDns the relay's resolver, the control for local DNS answers
   * @param trust the trust store for the interception check (the JVM's in production)
   */
  public Steps(
      DetectionSettings settings, RelayResolver relayDns, X509TrustManager trust, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.relayDns = Objects.requireNonNull(relayDns, "relayDns");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.dns = new DnsJudge(settings.blockPages(), settings.bogons(), clock);
    this.attempts = new AttemptJudge(clock);
    this.interception = new InterceptionCheck(trust, clock);
    this.httpDiff = new HttpDiff(clock);
    this.suspects = new SuspectAnswer(settings.fingerprints(), clock);
  }

  public DetectionSettings settings() {
    return settings;
  }

  RelayResolver relayDns() {
    return relayDns;
  }

  Clock clock() {
    return clock;
  }

  // ---- DNS -------------------------------------------------------------------------------------

  /** What the DNS step found. */
  public sealed interface DnsResult {
    /** The addresses to connect to; {@code note} is empty unless something is worth a log line. */
    record Resolved(List<InetAddress> addresses, String note) implements DnsResult {}

    /** The local resolver lies: a censor's answer, which the relay's contradicts. */
    record Tampered(Evidence evidence) implements DnsResult {}

    /**
     * The local answer looks wrong and the relay resolves the name, but nothing proves a censor:
     * {@code local} is what the local resolver gave (maybe nothing).
     */
    record RelayOnly(String reason, List<InetAddress> local) implements DnsResult {}

    /** No resolver knows the name (or none could be asked). */
    record Unresolved(String reason) implements DnsResult {}
  }

  /**
   * Resolves {@code dest} with {@code dialer}'s resolver; an answer that looks like a censor's is
   * checked against the relay's resolver. An IP literal needs no look-up.
   */
  public CompletableFuture<DnsResult> dns(EventLoop loop, Dialer dialer, Destination dest) {
    if (dest.isIpLiteral()) {
      return CompletableFuture.completedFuture(
          new DnsResult.Resolved(List.of(IpLiterals.parse(dest.host())), ""));
    }
    return dialer
        .resolveDirect(dest)
        .handle((list, error) -> error == null ? Lookup.addresses(list) : Outcomes.lookup(error))
        .thenCompose(
            local -> {
              if (!dns.suspicious(local)) {
                return CompletableFuture.completedFuture(new DnsResult.Resolved(local.list(), ""));
              }
              return relayDns
                  .lookup(loop, dest.host())
                  .handle(
                      (relay, error) ->
                          dnsJudged(
                              dest.host(),
                              local,
                              error != null
                                  ? Lookup.failed(String.valueOf(error.getMessage()))
                                  : relay));
            });
  }

  private DnsResult dnsJudged(String host, Lookup local, Lookup relay) {
    DnsVerdict v = dns.judge(host, local, relay);
    if (v instanceof DnsVerdict.Tampered t) {
      return new DnsResult.Tampered(t.evidence());
    }
    if (v instanceof DnsVerdict.Consistent c) {
      return new DnsResult.Resolved(c.addresses(), c.note());
    }
    if (v instanceof DnsVerdict.NotFound n) {
      return new DnsResult.Unresolved("no such name: " + n.reason());
    }
    DnsVerdict.Unknown u = (DnsVerdict.Unknown) v;
    if (u.relayResolves()) {
      return new DnsResult.RelayOnly(u.reason(), local.list());
    }
    return local.list().isEmpty()
        ? new DnsResult.Unresolved(u.reason())
        : new DnsResult.Resolved(local.list(), u.reason());
  }

  // ---- connect ---------------------------------------------------------------------------------

  /** What the connect step found. */
  public sealed interface ConnectResult {
    /** Connected direct in {@code took}; the channel is the caller's. */
    record Connected(Channel channel, Duration took) implements ConnectResult {}

    /**
     * The direct connect failed in a way a censor causes, and the relay was tried as the control.
     * {@code relay} is the relay's tunnel when it connected (the caller's to use or close), else
     * null; {@code direct} is the direct failure.
     */
    record Judged(Judgement judgement, Channel relay, DialException direct)
        implements ConnectResult {}

    /** The direct connect failed in a way no censor causes: nothing to compare. */
    record Failed(DialException direct) implements ConnectResult {}
  }

  /** Connects direct with the detection timeout; a censor's kind of failure is tried by relay. */
  public CompletableFuture<ConnectResult> connect(
      EventLoop loop, Dialer dialer, Destination dest, List<InetAddress> addresses) {
    long t = System.nanoTime();
    CompletableFuture<ConnectResult> out = new CompletableFuture<>();
    dialer
        .connectDirect(loop, dest, addresses, settings.connectTimeout())
        .addListener(
            f -> {
              if (f.isSuccess()) {
                guard.success(dest.host(), clock.instant());
                out.complete(new ConnectResult.Connected((Channel) f.getNow(), elapsed(t)));
                return;
              }
              DialException e = DialException.of(f.cause(), "direct to " + dest);
              ConnectFailure kind = Outcomes.connectFailure(e);
              if (kind == null) {
                out.complete(new ConnectResult.Failed(e));
                return;
              }
              guard.failure(dest.host(), clock.instant());
              DirectOutcome direct = DirectOutcome.connectFailed(kind, elapsed(t));
              dialer
                  .connectRelay(loop, dest)
                  .addListener(
                      r -> {
                        if (r.isSuccess()) {
                          out.complete(
                              new ConnectResult.Judged(
                                  judge(direct, RelayOutcome.succeeded("relay connect ok")),
                                  (Channel) r.getNow(),
                                  e));
                        } else {
                          RelayOutcome relay =
                              Outcomes.relayOutcome(
                                  DialException.of(r.cause(), "relay to " + dest));
                          out.complete(new ConnectResult.Judged(judge(direct, relay), null, e));
                        }
                      });
            });
    return out;
  }

  // ---- a failure after the first flight --------------------------------------------------------

  /**
   * A direct stream that failed after the first flight; silence is counted as the first-read
   * timeout, whatever the clock said.
   */
  public DirectOutcome streamFailed(
      StreamFailure failure, long bytesRead, FirstFlight flight, Duration took) {
    Duration after = failure == StreamFailure.SILENCE ? settings.firstReadTimeout() : took;
    return DirectOutcome.streamFailed(failure, bytesRead, flight, after);
  }

  /** Judges a direct outcome against the relay's for the same step. */
  public Judgement judge(DirectOutcome direct, RelayOutcome relay) {
    return attempts.judge(direct, relay, guard.networkDown(clock.instant()));
  }

  /** What the relay's success at the same step is called: a handshake, or an answer. */
  public static String relaySays(FirstFlight flight) {
    return flight instanceof FirstFlight.ClientHello
        ? "relay handshake ok"
        : "relay answered the " + flight.describe();
  }

  // ---- TLS -------------------------------------------------------------------------------------

  /**
   * A TLS handshake of our own on {@code ch} with {@code name} as SNI (none for an address). On a
   * direct channel, silence counts against the first-read timeout; on a relay tunnel, against the
   * relay answer timeout. Takes the channel over and closes it.
   */
  public CompletableFuture<TlsProbe.Result> handshake(
      Channel ch, String name, int port, boolean direct) {
    Duration firstRead = direct ? settings.firstReadTimeout() : settings.relayAnswerTimeout();
    return completable(
        TlsProbe.over(ch, sni(name), port, firstRead, settings.relayAnswerTimeout()));
  }

  /**
   * A handshake of our own on a connection of its own to {@code addresses}, with the detection
   * connect timeout; a failure to connect is a result too.
   */
  public CompletableFuture<TlsProbe.Result> directHandshake(
      EventLoop loop, Dialer dialer, Destination dest, List<InetAddress> addresses, String name) {
    CompletableFuture<TlsProbe.Result> out = new CompletableFuture<>();
    dialer
        .connectDirect(loop, dest, addresses, settings.connectTimeout())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                DialException e = DialException.of(f.cause(), "direct to " + dest);
                out.complete(
                    new TlsProbe.ConnectFailed(Outcomes.connectFailure(e), e.getMessage()));
                return;
              }
              handshake((Channel) f.getNow(), name, dest.port(), true).thenAccept(out::complete);
            });
    return out;
  }

  /** A handshake of our own through the relay; a failure to reach it is a result too. */
  public CompletableFuture<TlsProbe.Result> relayHandshake(
      EventLoop loop, Dialer dialer, Destination dest, String name) {
    CompletableFuture<TlsProbe.Result> out = new CompletableFuture<>();
    dialer
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                out.complete(
                    new TlsProbe.ConnectFailed(
                        null, DialException.of(f.cause(), "relay to " + dest).getMessage()));
                return;
              }
              handshake((Channel) f.getNow(), name, dest.port(), false).thenAccept(out::complete);
            });
    return out;
  }

  /** The relay's handshake as the control for a direct failure after a ClientHello. */
  public static RelayOutcome relayOutcome(TlsProbe.Result relay) {
    return relay instanceof TlsProbe.Done
        ? RelayOutcome.succeeded("relay handshake ok")
        : RelayOutcome.failed(describe(relay));
  }

  /** Judges the direct chain against what the relay saw for the same name. */
  public CertVerdict judgeChain(
      String name, List<X509Certificate> direct, TlsProbe.Result relayView) {
    RelayChain relay =
        relayView instanceof TlsProbe.Done rd
            ? RelayChain.seen(rd.chain())
            : RelayChain.failed(describe(relayView));
    return interception.judge(name, direct, relay);
  }

  /** Whether the direct chain validates and names {@code name}, before any comparison. */
  public boolean chainClean(String name, List<X509Certificate> direct) {
    return interception.inspect(name, direct).clean();
  }

  static String describe(TlsProbe.Result r) {
    if (r instanceof TlsProbe.ConnectFailed c) {
      return c.detail();
    }
    if (r instanceof TlsProbe.Failed f) {
      return "relay handshake: " + f.failure().name().toLowerCase(Locale.ROOT);
    }
    return "relay handshake ok";
  }

  // ---- plain HTTP ------------------------------------------------------------------------------

  /** How long a plain-HTTP answer may take to be whole: 5 s. */
  static final Duration HTTP_TOTAL = Duration.ofSeconds(5);

  /** A GET for {@code path} with {@code Host: host}, closing afterwards. */
  public static byte[] httpGet(String host, String path) {
    return ("GET "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nUser-Agent: Mozilla/5.0 (Sidestep probe)\r\nAccept: */*\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * What came back for a plain-HTTP request of our own.
   *
   * @param failure how the connection failed before the answer was whole, null when it did not
   * @param bytesRead all bytes read
   */
  public record Fetch(
      Optional<ResponseSummary> summary, long bytesRead, StreamFailure failure, Duration took) {}

  /**
   * Sends {@code request} on {@code ch} (direct, or a relay tunnel) and captures the answer as the
   * live comparison does ({@link ResponseCapture}); takes the channel over and closes it.
   */
  public CompletableFuture<Fetch> fetch(Channel ch, byte[] request, boolean direct) {
    CompletableFuture<Fetch> out = new CompletableFuture<>();
    long start = System.nanoTime();
    ResponseCapture capture =
        new ResponseCapture(
            direct ? settings.firstReadTimeout() : settings.relayAnswerTimeout(),
            HTTP_TOTAL,
            c -> out.complete(new Fetch(c.summary(), c.bytesRead(), c.failure(), elapsed(start))));
    ch.pipeline().addLast(ResponseCapture.NAME, capture);
    HeldBytes.passOn(ch.pipeline());
    ch.writeAndFlush(Unpooled.wrappedBuffer(request))
        .addListener(
            w -> {
              if (w.isSuccess()) {
                ch.read();
              } else {
                ch.pipeline().fireExceptionCaught(w.cause());
              }
            });
    out.whenComplete((f, e) -> ch.eventLoop().execute(capture::discard));
    return out;
  }

  /**
   * Whether a plain-HTTP answer that ended with {@code failure} (null: it did not fail) is judged
   * as a stream failure: it failed within the first {@value AttemptJudge#COUNTED_BYTES} bytes.
   */
  public static boolean failedEarly(StreamFailure failure, long bytesRead) {
    return failure != null && bytesRead <= AttemptJudge.COUNTED_BYTES;
  }

  /**
   * The relay's answer to the same request as the control for a direct failure: {@code tunnel}
   * false when no tunnel could be opened, else how many bytes the relay answered with.
   */
  public static RelayOutcome relayAnswer(FirstFlight flight, boolean tunnel, long relayBytes) {
    if (!tunnel) {
      return RelayOutcome.unreachable("relay tunnel failed");
    }
    return relayBytes > 0
        ? RelayOutcome.succeeded(relaySays(flight))
        : RelayOutcome.failed("relay gave no answer");
  }

  /**
   * Whether a plain-HTTP answer that came direct could be a censor's, and so worth comparing with
   * the relay's: {@code connect} is the TCP connect time to the same address, {@code firstByte} how
   * long after the request the answer began.
   */
  public SuspectAnswer.Verdict suspect(
      String host, ResponseSummary direct, Duration connect, Duration firstByte) {
    return suspects.judge(host, direct, connect, firstByte);
  }

  /**
   * Compares the direct answer with the relay's; a redirect to a host of its own is confirmed with
   * the relay's resolver first.
   */
  public CompletableFuture<HttpDiff.Verdict> compareHttp(
      EventLoop loop, String host, ResponseSummary direct, ResponseSummary relay) {
    Optional<String> confirm = HttpDiff.redirectHostToConfirm(host, direct, relay);
    CompletableFuture<HttpDiff.RedirectCheck> check =
        confirm.isEmpty()
            ? CompletableFuture.completedFuture(HttpDiff.RedirectCheck.UNCHECKED)
            : relayDns
                .lookup(loop, confirm.get())
                .handle(
                    (l, e) ->
                        l == null || l instanceof Lookup.Failed
                            ? HttpDiff.RedirectCheck.UNCHECKED
                            : l.list().isEmpty()
                                ? HttpDiff.RedirectCheck.NOT_CONFIRMED
                                : HttpDiff.RedirectCheck.CONFIRMED);
    return check.thenApply(c -> httpDiff.compare(host, direct, relay, c));
  }

  // ---- texts -----------------------------------------------------------------------------------

  /** A direct failure in a few words, for the user's error and the probe's report. */
  public static String describe(DirectOutcome out) {
    if (out instanceof DirectOutcome.StreamFailed s) {
      return switch (s.failure()) {
        case RESET -> "direct: reset after the " + s.flight().describe();
        case EOF -> "direct: closed after the " + s.flight().describe();
        case SILENCE -> "direct: no answer to the " + s.flight().describe();
      };
    }
    if (out instanceof DirectOutcome.ConnectFailed c) {
      return "direct: connect " + c.failure().name().toLowerCase(Locale.ROOT);
    }
    return "direct works";
  }

  /** A certificate verdict in a few words, for the connection's notes and the probe's report. */
  public static String describe(CertVerdict v) {
    if (v instanceof CertVerdict.Ok o) {
      return o.note();
    }
    if (v instanceof CertVerdict.BrokenForEveryone b) {
      return "certificate broken for everyone, not censorship: " + b.reason();
    }
    if (v instanceof CertVerdict.Unknown u) {
      return u.reason();
    }
    return ((CertVerdict.Mitm) v).evidence().summary();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  static Duration elapsed(long since) {
    return Duration.ofNanos(System.nanoTime() - since);
  }

  static String sni(String name) {
    return name == null || IpLiterals.isIpLiteral(name) ? null : name;
  }

  /** A Netty future as a CompletableFuture, for steps that chain. */
  public static <T> CompletableFuture<T> completable(Future<T> f) {
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
}
