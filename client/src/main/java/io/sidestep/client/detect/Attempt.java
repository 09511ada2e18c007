package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.client.dial.DialException;
import io.sidestep.client.dial.HeldBytes;
import io.sidestep.client.dial.Session;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.ChainReport;
import io.sidestep.core.detect.DirectOutcome;
import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.DnsVerdict;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.HttpDiff;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.detect.RelayChain;
import io.sidestep.core.detect.RelayOutcome;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One AUTO connection under watch (issue 5, steps 1-3, 4 and 7): DNS checked against the relay when
 * the local answer looks like a censor's; a direct connect with a short timeout; the user's first
 * flight kept; for a TLS destination not verified recently, a handshake of our own first; then the
 * flight sent direct and the first answer watched. A failure a censor causes, confirmed by the
 * relay doing the same step, is learned and the flight replayed through the relay, so the user gets
 * the page on this very visit. Everything runs on the session's event loop.
 */
final class Attempt {

  /** Most bytes of a first flight kept for replay. */
  static final int MAX_FLIGHT = FirstFlight.MAX_CLIENT_HELLO;

  private final Detection d;
  private final Session s;
  private final Destination dest;
  private final String host;
  private final EventLoop loop;
  private final long start = System.nanoTime();

  Attempt(Detection detection, Session session) {
    this.d = detection;
    this.s = session;
    this.dest = session.destination();
    this.host = dest.host();
    this.loop = session.loop();
  }

  private Duration elapsed(long since) {
    return Duration.ofNanos(System.nanoTime() - since);
  }

  void start() {
    Optional<Evidence> known = d.learnedSinceStart(host);
    if (known.isPresent()) {
      s.note("learned earlier: " + known.get().summary());
      s.routeRelay();
      return;
    }
    if (dest.isIpLiteral()) {
      afterDns(List.of(IpLiterals.parse(host)));
      return;
    }
    s.dialer()
        .resolveDirect(dest)
        .whenComplete(
            (addresses, error) ->
                loop.execute(
                    () ->
                        resolved(
                            error == null ? Lookup.addresses(addresses) : Outcomes.lookup(error))));
  }

  // ---- step 1: DNS ----------------------------------------------------------------------------

  private void resolved(Lookup local) {
    if (!d.dns().suspicious(local)) {
      afterDns(local.list());
      return;
    }
    d.relayDns()
        .lookup(loop, host)
        .whenComplete(
            (relay, error) ->
                loop.execute(
                    () ->
                        dnsJudged(
                            local,
                            error != null
                                ? Lookup.failed(String.valueOf(error.getMessage()))
                                : relay)));
  }

  private void dnsJudged(Lookup local, Lookup relay) {
    DnsVerdict v = d.dns().judge(host, local, relay);
    if (v instanceof DnsVerdict.Tampered t) {
      detected(t.evidence());
      s.routeRelay();
    } else if (v instanceof DnsVerdict.Consistent c) {
      if (!c.note().isEmpty()) {
        s.note("dns: " + c.note());
      }
      afterDns(c.addresses());
    } else if (v instanceof DnsVerdict.NotFound n) {
      s.fail(
          "direct",
          new DialException(DialException.Kind.NAME_NOT_RESOLVED, host + ": " + n.reason()));
    } else {
      DnsVerdict.Unknown u = (DnsVerdict.Unknown) v;
      if (u.relayResolves()) {
        s.note("dns: " + u.reason() + "; through the relay this time, nothing learned");
        s.routeRelay();
      } else if (!local.list().isEmpty()) {
        s.note("dns: " + u.reason());
        afterDns(local.list());
      } else {
        s.fail(
            "direct",
            new DialException(DialException.Kind.NAME_NOT_RESOLVED, host + ": " + u.reason()));
      }
    }
  }

  private void afterDns(List<InetAddress> addresses) {
    Decision after;
    try {
      after = s.router().decideResolved(dest, addresses, s.decision());
    } catch (RuntimeException e) {
      s.fail("direct", new DialException(DialException.Kind.GENERAL, "router failed: " + e, e));
      return;
    }
    switch (after.action()) {
      case REJECT ->
          s.fail(
              "reject",
              new DialException(DialException.Kind.REJECTED, "rejected: " + after.reason()));
      case RELAY -> s.routeRelay();
      case DIRECT -> plainDirect(addresses);
      case AUTO -> connect(addresses);
    }
  }

  private void plainDirect(List<InetAddress> addresses) {
    s.dialer()
        .connectDirect(loop, dest, addresses)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                s.splice((Channel) f.getNow(), "direct");
              } else {
                s.fail("direct", DialException.of(f.cause(), "direct to " + dest));
              }
            });
  }

  // ---- step 2: connect -----------------------------------------------------------------------

  private void connect(List<InetAddress> addresses) {
    long t = System.nanoTime();
    s.dialer()
        .connectDirect(loop, dest, addresses, d.settings().connectTimeout())
        .addListener(
            f -> {
              if (f.isSuccess()) {
                d.guard().success(host, d.clock().instant());
                connected((Channel) f.getNow());
                return;
              }
              DialException e = DialException.of(f.cause(), "direct to " + dest);
              ConnectFailure kind = Outcomes.connectFailure(e);
              if (kind == null) {
                s.fail("direct", e);
                return;
              }
              d.guard().failure(host, d.clock().instant());
              connectFailed(DirectOutcome.connectFailed(kind, elapsed(t)), e);
            });
  }

  private void connectFailed(DirectOutcome out, DialException directError) {
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Judgement j = judge(out, RelayOutcome.succeeded("relay connect ok"));
                noteJudgement(j);
                s.splice((Channel) f.getNow(), "relay");
              } else {
                DialException e = DialException.of(f.cause(), "relay to " + dest);
                noteJudgement(judge(out, Outcomes.relayOutcome(e)));
                s.fail("direct", directError);
              }
            });
  }

  // ---- step 3: the first flight ----------------------------------------------------------------

  private void connected(Channel ch) {
    s.succeed()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ch.close();
                return;
              }
              readFlight(ch, null, 0);
            });
  }

  private void readFlight(Channel ch, CompositeByteBuf acc, int round) {
    s.readFirstFlight(round == 0 ? d.settings().flightWait() : d.settings().firstReadTimeout())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ReferenceCountUtil.release(acc);
                ch.close();
                s.fail("direct", DialException.of(f.cause(), "reading the first flight"));
                return;
              }
              ByteBuf b = (ByteBuf) f.getNow();
              if (!b.isReadable()) {
                b.release();
                if (acc == null) {
                  // The server speaks first (or the user is slow): nothing to watch or replay.
                  s.splice(ch, "direct");
                } else {
                  proceed(ch, new Kept(acc), FirstFlight.inspect(ByteBufUtil.getBytes(acc)));
                }
                return;
              }
              CompositeByteBuf all = acc != null ? acc : ch.alloc().compositeBuffer();
              all.addComponent(true, b);
              FirstFlight flight = FirstFlight.inspect(ByteBufUtil.getBytes(all));
              if (flight.incomplete() && all.readableBytes() < MAX_FLIGHT && round < 32) {
                // Later: the session's capture handler is still leaving the pipeline just now.
                loop.execute(() -> readFlight(ch, all, round + 1));
              } else {
                proceed(ch, new Kept(all), flight);
              }
            });
  }

  private void proceed(Channel ch, Kept kept, FirstFlight flight) {
    if (flight instanceof FirstFlight.ClientHello hello
        && d.settings().interceptionCheck()
        && !d.verified().fresh(dest)) {
      Optional<String> name =
          hello.serverName().or(() -> dest.isIpLiteral() ? Optional.empty() : Optional.of(host));
      if (name.isPresent()) {
        interceptionCheck(ch, kept, flight, name.get());
        return;
      }
    }
    sendDirect(ch, kept, flight);
  }

  // ---- step 4: interception ---------------------------------------------------------------------

  /** How long a clean direct chain waits for the relay's leaf to compare with: 1 s. */
  static final Duration LEAF_GRACE = Duration.ofSeconds(1);

  private void interceptionCheck(Channel ch, Kept kept, FirstFlight flight, String name) {
    InetSocketAddress address = (InetSocketAddress) ch.remoteAddress();
    DetectionSettings st = d.settings();
    // The relay's view, started at once: the leaf to compare with, or the control on a failure.
    CompletableFuture<TlsProbe.Result> relayView = relayHandshake(name);
    TlsProbe.direct(
            loop,
            address,
            IpLiterals.isIpLiteral(name) ? null : name,
            dest.port(),
            st.connectTimeout(),
            st.firstReadTimeout(),
            st.relayAnswerTimeout())
        .addListener(
            f -> {
              TlsProbe.Result r = (TlsProbe.Result) f.getNow();
              if (!ch.isActive() || !s.inbound().isActive()) {
                kept.drop();
                ch.close();
                s.fail(
                    "direct",
                    new DialException(DialException.Kind.GENERAL, "closed during the check"));
                return;
              }
              if (r instanceof TlsProbe.Done done) {
                chainSeen(ch, kept, flight, name, done.chain(), relayView);
              } else if (r instanceof TlsProbe.Failed failed) {
                // Our own handshake met the censor: the user's bytes were never sent direct.
                ch.close();
                Duration after =
                    failed.failure() == StreamFailure.SILENCE
                        ? d.settings().firstReadTimeout()
                        : failed.took();
                streamFailed(
                    DirectOutcome.streamFailed(failed.failure(), failed.bytesRead(), flight, after),
                    kept,
                    flight);
              } else {
                // The second connection could not be made; judge the user's own attempt instead.
                sendDirect(ch, kept, flight);
              }
            });
  }

  /** A handshake of our own through the relay; never fails (a failure is a result). */
  private CompletableFuture<TlsProbe.Result> relayHandshake(String name) {
    CompletableFuture<TlsProbe.Result> out = new CompletableFuture<>();
    DetectionSettings st = d.settings();
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            rf -> {
              if (!rf.isSuccess()) {
                out.complete(
                    new TlsProbe.ConnectFailed(
                        null, DialException.of(rf.cause(), "relay").getMessage()));
                return;
              }
              TlsProbe.over(
                      (Channel) rf.getNow(),
                      IpLiterals.isIpLiteral(name) ? null : name,
                      dest.port(),
                      st.relayAnswerTimeout(),
                      st.relayAnswerTimeout())
                  .addListener(pf -> out.complete((TlsProbe.Result) pf.getNow()));
            });
    return out;
  }

  private void chainSeen(
      Channel ch,
      Kept kept,
      FirstFlight flight,
      String name,
      List<java.security.cert.X509Certificate> chain,
      CompletableFuture<TlsProbe.Result> relayView) {
    ChainReport report = d.interception().inspect(name, chain);
    boolean[] done = {false};
    java.util.function.Consumer<TlsProbe.Result> judgeWith =
        pr -> {
          if (done[0]) {
            return;
          }
          done[0] = true;
          if (pr == null) {
            // A clean chain and no relay leaf in time: go ahead, and compare next time.
            sendDirect(ch, kept, flight);
            return;
          }
          RelayChain relay =
              pr instanceof TlsProbe.Done rd
                  ? RelayChain.seen(rd.chain())
                  : RelayChain.failed("relay handshake failed");
          CertVerdict v = d.interception().judge(name, chain, relay);
          if (v instanceof CertVerdict.Mitm m) {
            detected(m.evidence());
            ch.close();
            replay(kept, flight, null);
            return;
          }
          if (v instanceof CertVerdict.Ok && relay instanceof RelayChain.Seen) {
            d.verified().remember(dest);
            d.directWorked(host); // a clean handshake: a block learned earlier has lifted
          } else if (!(v instanceof CertVerdict.Ok)) {
            s.note("certificate: " + verdictText(v));
          }
          if (!ch.isActive()) {
            kept.drop();
            s.fail(
                "direct",
                new DialException(
                    DialException.Kind.GENERAL, "direct connection closed during the check"));
            return;
          }
          sendDirect(ch, kept, flight);
        };
    relayView.whenComplete((pr, e) -> loop.execute(() -> judgeWith.accept(pr)));
    if (report.clean()) {
      loop.schedule(() -> judgeWith.accept(null), LEAF_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static String verdictText(CertVerdict v) {
    if (v instanceof CertVerdict.Ok o) {
      return o.note();
    }
    if (v instanceof CertVerdict.BrokenForEveryone b) {
      return "broken for everyone, not censorship: " + b.reason();
    }
    if (v instanceof CertVerdict.Unknown u) {
      return u.reason();
    }
    return ((CertVerdict.Mitm) v).evidence().summary();
  }

  // ---- step 3 again: send direct and watch ------------------------------------------------------

  private void sendDirect(Channel ch, Kept kept, FirstFlight flight) {
    if (flight instanceof FirstFlight.HttpRequest r
        && (r.method().equals("GET") || r.method().equals("HEAD"))
        && !d.verifiedHttp().fresh(dest)) {
      compareHttp(ch, kept, flight);
      return;
    }
    long t = System.nanoTime();
    FirstResponseWatch[] watch = new FirstResponseWatch[1];
    watch[0] =
        new FirstResponseWatch(
            d.settings().firstReadTimeout(),
            new FirstResponseWatch.Listener() {
              @Override
              public void answered() {
                watch[0].handOver();
                ch.pipeline()
                    .addLast(
                        StreamWatch.NAME,
                        new StreamWatch(
                            0,
                            new StreamWatch.Listener() {
                              @Override
                              public void reset(long bytesRead, String detail) {
                                lateReset(bytesRead, kept, flight, elapsed(t));
                              }

                              @Override
                              public void working(long bytesRead) {
                                kept.drop();
                                d.directWorked(host);
                              }
                            }));
                ch.pipeline().addLast(RateMeter.NAME, new RateMeter(tr -> measured(tr, flight)));
                s.splice(ch, "direct");
                // Once the direct connection is gone nobody needs the flight any more; if it
                // answered and ended without a reset, the direct path works.
                ch.closeFuture()
                    .addListener(
                        x -> {
                          if (kept.buf() != null) {
                            kept.drop();
                            d.directWorked(host);
                          }
                        });
              }

              @Override
              public void failed(StreamFailure failure, String detail) {
                ch.close();
                Duration after =
                    failure == StreamFailure.SILENCE ? d.settings().firstReadTimeout() : elapsed(t);
                streamFailed(DirectOutcome.streamFailed(failure, 0, flight, after), kept, flight);
              }
            });
    ch.pipeline().addLast(FirstResponseWatch.NAME, watch[0]);
    if (ch.pipeline().get(HeldBytes.NAME) != null) {
      ch.pipeline().remove(HeldBytes.NAME);
    }
    ch.writeAndFlush(kept.buf().retainedDuplicate())
        .addListener(
            w -> {
              if (w.isSuccess()) {
                ch.read();
              } else {
                ch.pipeline().fireExceptionCaught(w.cause());
              }
            });
  }

  // ---- step 5: plain HTTP, compared with the relay's answer ------------------------------------

  /** How long a compared response may take to be whole: 5 s. */
  static final Duration COMPARE_TOTAL = Duration.ofSeconds(5);

  /**
   * Sends the request both ways and holds both answers: a block page (or a redirect to one) on the
   * direct path is learned and the user gets the relay's answer instead; otherwise the direct one.
   */
  private void compareHttp(Channel ch, Kept kept, FirstFlight flight) {
    flightForRate = flight;
    long t = System.nanoTime();
    ResponseCapture[] caps = new ResponseCapture[2];
    Channel[] relayCh = new Channel[1];
    boolean[] relayDone = {false};
    Runnable decide =
        () -> {
          if (caps[0] == null || !caps[0].reported() || !relayDone[0]) {
            return;
          }
          decideHttp(ch, caps[0], relayCh[0], caps[1], kept, flight, t);
        };
    caps[0] =
        new ResponseCapture(
            d.settings().firstReadTimeout(), COMPARE_TOTAL, c -> loop.execute(decide));
    ch.pipeline().addLast(ResponseCapture.NAME, caps[0]);
    if (ch.pipeline().get(HeldBytes.NAME) != null) {
      ch.pipeline().remove(HeldBytes.NAME);
    }
    ch.writeAndFlush(kept.buf().retainedDuplicate()).addListener(w -> ch.read());
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                relayDone[0] = true;
                s.note(
                    "relay for comparison: " + DialException.of(f.cause(), "relay").getMessage());
                decide.run();
                return;
              }
              Channel rc = (Channel) f.getNow();
              relayCh[0] = rc;
              caps[1] =
                  new ResponseCapture(
                      d.settings().relayAnswerTimeout(),
                      COMPARE_TOTAL,
                      c -> {
                        relayDone[0] = true;
                        loop.execute(decide);
                      });
              rc.pipeline().addLast(ResponseCapture.NAME, caps[1]);
              if (rc.pipeline().get(HeldBytes.NAME) != null) {
                rc.pipeline().remove(HeldBytes.NAME);
              }
              rc.writeAndFlush(kept.buf().retainedDuplicate()).addListener(w -> rc.read());
            });
  }

  private boolean decided;
  private FirstFlight flightForRate;

  private void decideHttp(
      Channel ch,
      ResponseCapture direct,
      Channel relayCh,
      ResponseCapture relay,
      Kept kept,
      FirstFlight flight,
      long t) {
    if (decided) {
      return;
    }
    decided = true;
    kept.drop();
    boolean relayAnswered = relay != null && relay.bytesRead() > 0;
    if (direct.bytesRead() == 0 && direct.failure() != null) {
      Duration after =
          direct.failure() == StreamFailure.SILENCE ? d.settings().firstReadTimeout() : elapsed(t);
      DirectOutcome out = DirectOutcome.streamFailed(direct.failure(), 0, flight, after);
      noteJudgement(
          judge(
              out,
              relayAnswered
                  ? RelayOutcome.succeeded(relaySays(flight))
                  : RelayOutcome.failed(
                      relay == null ? "relay unavailable" : "relay gave no answer")));
      direct.discard();
      if (relayAnswered) {
        deliver(relay, relayCh, "relay");
      } else {
        if (relay != null) {
          relay.discard();
        }
        s.fail(
            "direct",
            new DialException(DialException.Kind.GENERAL, AttemptDescriptions.direct(out)));
      }
      return;
    }
    Optional<ResponseSummary> ds = direct.summary();
    Optional<ResponseSummary> rs = relayAnswered ? relay.summary() : Optional.empty();
    if (ds.isEmpty() || rs.isEmpty()) {
      if (relay != null) {
        relay.discard();
      }
      deliver(direct, ch, "direct");
      return;
    }
    Optional<String> confirm = HttpDiff.redirectHostToConfirm(host, ds.get(), rs.get());
    if (confirm.isEmpty()) {
      compared(ch, direct, relayCh, relay, ds.get(), rs.get(), HttpDiff.RedirectCheck.UNCHECKED);
      return;
    }
    d.relayDns()
        .lookup(loop, confirm.get())
        .whenComplete(
            (l, e) ->
                loop.execute(
                    () ->
                        compared(
                            ch,
                            direct,
                            relayCh,
                            relay,
                            ds.get(),
                            rs.get(),
                            l == null || l instanceof Lookup.Failed
                                ? HttpDiff.RedirectCheck.UNCHECKED
                                : l.list().isEmpty()
                                    ? HttpDiff.RedirectCheck.NOT_CONFIRMED
                                    : HttpDiff.RedirectCheck.CONFIRMED)));
  }

  private void compared(
      Channel ch,
      ResponseCapture direct,
      Channel relayCh,
      ResponseCapture relay,
      ResponseSummary ds,
      ResponseSummary rs,
      HttpDiff.RedirectCheck check) {
    HttpDiff.Verdict v = d.httpDiff().compare(host, ds, rs, check);
    if (v instanceof HttpDiff.Verdict.BlockPage b) {
      detected(b.evidence());
      direct.discard();
      deliver(relay, relayCh, "relay");
      return;
    }
    if (v instanceof HttpDiff.Verdict.Same) {
      d.verifiedHttp().remember(dest);
      d.directWorked(host);
    }
    relay.discard();
    ch.pipeline().addLast(RateMeter.NAME, new RateMeter(tr -> measured(tr, flightForRate)));
    deliver(direct, ch, "direct");
  }

  /** Gives the user the held answer of {@code c} and joins them to its channel. */
  private void deliver(ResponseCapture c, Channel ch, String route) {
    if (!s.inbound().isActive()) {
      c.discard();
      s.fail(route, new DialException(DialException.Kind.GENERAL, "client left"));
      return;
    }
    c.deliverTo(s.inbound());
    s.splice(ch, route);
  }

  // ---- step 6: throttling, measured on real traffic ---------------------------------------------

  /** A direct download slower than this is compared with the relay's speed: 500 kB/s. */
  static final double SUSPECT_RATE = 500_000;

  /** Relay downloads measured for the comparison: 2, of at most 1 MiB and 10 s each. */
  static final int RELAY_SAMPLES = 2;

  private void measured(ThrottleJudge.Transfer direct, FirstFlight flight) {
    if (direct.bytesPerSecond() >= SUSPECT_RATE || !d.throttleCheckDue(host)) {
      return;
    }
    boolean tls = flight instanceof FirstFlight.ClientHello;
    String sni =
        tls
            ? ((FirstFlight.ClientHello) flight)
                .serverName()
                .orElse(dest.isIpLiteral() ? null : host)
            : null;
    String path = "/";
    if (flight instanceof FirstFlight.HttpRequest r) {
      path = originForm(r.target());
    }
    byte[] request = HttpFetch.get(host, path);
    List<ThrottleJudge.Transfer> relay = new java.util.ArrayList<>();
    relaySample(tls, sni, request, relay, RELAY_SAMPLES, direct);
  }

  private void relaySample(
      boolean tls,
      String sni,
      byte[] request,
      List<ThrottleJudge.Transfer> relay,
      int left,
      ThrottleJudge.Transfer direct) {
    if (left == 0) {
      d.throttleJudge()
          .judge(new ThrottleJudge.Samples(List.of(direct), relay, List.of(), List.of()))
          .ifPresent(e -> d.learn(host, e));
      return;
    }
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                return; // no control, nothing learned
              }
              Download.over(
                      (Channel) f.getNow(),
                      tls,
                      sni,
                      dest.port(),
                      request,
                      1 << 20,
                      Duration.ofSeconds(10))
                  .addListener(
                      df -> {
                        ThrottleJudge.Transfer t = (ThrottleJudge.Transfer) df.getNow();
                        if (t != null) {
                          relay.add(t);
                        }
                        relaySample(tls, sni, request, relay, left - 1, direct);
                      });
            });
  }

  static String originForm(String target) {
    int scheme = target.indexOf("://");
    if (scheme < 0) {
      return target.isEmpty() ? "/" : target;
    }
    int slash = target.indexOf('/', scheme + 3);
    return slash < 0 ? "/" : target.substring(slash);
  }

  /** The direct path failed before answering: replay through the relay (or fail, for POST). */
  private void streamFailed(DirectOutcome out, Kept kept, FirstFlight flight) {
    if (!flight.replayable()) {
      // Never replay POST or PATCH: check with the relay that it connects, learn, fail this one.
      s.dialer()
          .connectRelay(loop, dest)
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ((Channel) f.getNow()).close();
                  noteJudgement(judge(out, RelayOutcome.succeeded("relay connect ok")));
                } else {
                  noteJudgement(
                      judge(out, Outcomes.relayOutcome(DialException.of(f.cause(), "relay"))));
                }
                kept.drop();
                s.fail(
                    "direct",
                    new DialException(
                        DialException.Kind.GENERAL,
                        AttemptDescriptions.direct(out)
                            + "; "
                            + flight.describe()
                            + " not replayed (not idempotent)"));
              });
      return;
    }
    replay(kept, flight, out);
  }

  /**
   * Replays the flight through the relay and splices the user to it. With {@code out} (a direct
   * failure still to be judged) the relay's first byte is the control that confirms it.
   */
  private void replay(Kept kept, FirstFlight flight, DirectOutcome out) {
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                DialException e = DialException.of(f.cause(), "relay to " + dest);
                if (out != null) {
                  noteJudgement(judge(out, Outcomes.relayOutcome(e)));
                }
                kept.drop();
                s.fail("relay", e);
                return;
              }
              Channel relay = (Channel) f.getNow();
              if (out != null) {
                relay
                    .pipeline()
                    .addLast(
                        RelayAnswerWatch.NAME,
                        new RelayAnswerWatch(
                            d.settings().relayAnswerTimeout(),
                            false,
                            new RelayAnswerWatch.Listener() {
                              @Override
                              public void answered(int firstBytes) {
                                noteJudgement(
                                    judge(out, RelayOutcome.succeeded(relaySays(flight))));
                              }

                              @Override
                              public void failed(String why) {
                                noteJudgement(judge(out, RelayOutcome.failed(why)));
                              }
                            }));
              }
              s.splice(relay, "relay", kept.take());
            });
  }

  /** A reset after the first bytes, within the counted 4 KiB: learn it if the relay does better. */
  private void lateReset(long bytesRead, Kept kept, FirstFlight flight, Duration took) {
    DirectOutcome out = DirectOutcome.streamFailed(StreamFailure.RESET, bytesRead, flight, took);
    if (!flight.replayable()) {
      kept.drop();
      return;
    }
    // A control of our own: the same flight through the relay, answered or not.
    Kept mine = new Kept(kept.take());
    if (mine.buf() == null) {
      return;
    }
    s.dialer()
        .connectRelay(loop, dest)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                mine.drop();
                return;
              }
              Channel relay = (Channel) f.getNow();
              relay
                  .pipeline()
                  .addLast(
                      RelayAnswerWatch.NAME,
                      new RelayAnswerWatch(
                          d.settings().relayAnswerTimeout(),
                          true,
                          new RelayAnswerWatch.Listener() {
                            @Override
                            public void answered(int firstBytes) {
                              Judgement j = judge(out, RelayOutcome.succeeded(relaySays(flight)));
                              if (j instanceof Judgement.Censored c) {
                                d.learn(host, c.evidence());
                              }
                            }

                            @Override
                            public void failed(String why) {}
                          }));
              if (relay.pipeline().get(HeldBytes.NAME) != null) {
                relay.pipeline().remove(HeldBytes.NAME);
              }
              relay.writeAndFlush(mine.take()).addListener(w -> relay.read());
            });
  }

  /** The kept first flight: taken once (to be sent on) or dropped, never both. */
  static final class Kept {
    private ByteBuf buf;

    Kept(ByteBuf buf) {
      this.buf = buf;
    }

    ByteBuf buf() {
      return buf;
    }

    ByteBuf take() {
      ByteBuf b = buf;
      buf = null;
      return b;
    }

    void drop() {
      if (buf != null) {
        buf.release();
        buf = null;
      }
    }
  }

  // ---- judging
  // -----------------------------------------------------------------------------------

  private Judgement judge(DirectOutcome out, RelayOutcome relay) {
    return d.attempts().judge(out, relay, d.guard().networkDown(d.clock().instant()));
  }

  private void noteJudgement(Judgement j) {
    if (j instanceof Judgement.Censored c) {
      detected(c.evidence());
    } else if (j instanceof Judgement.Outage o) {
      s.note("not learned: " + o.reason());
    }
  }

  private void detected(Evidence e) {
    s.note("detected " + e.summary());
    d.learn(host, e);
  }

  private static String relaySays(FirstFlight flight) {
    return flight instanceof FirstFlight.ClientHello
        ? "relay handshake ok"
        : "relay answered the " + flight.describe();
  }
}
