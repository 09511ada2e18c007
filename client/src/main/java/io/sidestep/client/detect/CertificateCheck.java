package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.ChainReport;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.RelayChain;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.netty.DialException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Step 4 of an {@link Attempt}: before the user's ClientHello goes direct, a TLS handshake of our
 * own, direct and through the relay at once; a certificate chain the relay does not see is
 * interception, learned, and the flight replayed through the relay.
 */
final class CertificateCheck {

  /** How long a clean direct chain waits for the relay's leaf to compare with: 1 s. */
  static final Duration LEAF_GRACE = Duration.ofSeconds(1);

  private final Attempt a;

  CertificateCheck(Attempt attempt) {
    this.a = attempt;
  }

  void run(Channel ch, KeptFlight kept, FirstFlight flight, String name) {
    InetSocketAddress address = (InetSocketAddress) ch.remoteAddress();
    DetectionSettings st = a.d.settings();
    // The relay's view, started at once: the leaf to compare with, or the control on a failure.
    CompletableFuture<TlsProbe.Result> relayView = relayHandshake(name);
    TlsProbe.direct(
            a.loop,
            address,
            IpLiterals.isIpLiteral(name) ? null : name,
            a.dest.port(),
            st.connectTimeout(),
            st.firstReadTimeout(),
            st.relayAnswerTimeout())
        .addListener(
            f -> {
              TlsProbe.Result r = (TlsProbe.Result) f.getNow();
              if (!ch.isActive() || !a.s.inbound().isActive()) {
                kept.drop();
                ch.close();
                a.s.fail(
                    "direct",
                    new DialException(DialException.Kind.GENERAL, "closed during the check"));
                return;
              }
              if (r instanceof TlsProbe.Done done) {
                chainSeen(ch, kept, flight, name, done.chain(), relayView);
              } else if (r instanceof TlsProbe.Failed failed) {
                // Our own handshake met the censor: the user's bytes were never sent direct.
                ch.close();
                new RelayReplay(a)
                    .afterStreamFailure(
                        a.streamFailed(failed.failure(), failed.bytesRead(), flight, failed.took()),
                        kept,
                        flight);
              } else {
                // The second connection could not be made; judge the user's own attempt instead.
                new DirectSend(a).send(ch, kept, flight);
              }
            });
  }

  /** A handshake of our own through the relay; never fails (a failure is a result). */
  private CompletableFuture<TlsProbe.Result> relayHandshake(String name) {
    CompletableFuture<TlsProbe.Result> out = new CompletableFuture<>();
    DetectionSettings st = a.d.settings();
    a.connectRelay()
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
                      a.dest.port(),
                      st.relayAnswerTimeout(),
                      st.relayAnswerTimeout())
                  .addListener(pf -> out.complete((TlsProbe.Result) pf.getNow()));
            });
    return out;
  }

  private void chainSeen(
      Channel ch,
      KeptFlight kept,
      FirstFlight flight,
      String name,
      List<X509Certificate> chain,
      CompletableFuture<TlsProbe.Result> relayView) {
    ChainReport report = a.d.interception().inspect(name, chain);
    boolean[] done = {false};
    Consumer<TlsProbe.Result> judgeWith =
        pr -> {
          if (done[0]) {
            return;
          }
          done[0] = true;
          if (pr == null) {
            // A clean chain and no relay leaf in time: go ahead, and compare next time.
            new DirectSend(a).send(ch, kept, flight);
            return;
          }
          RelayChain relay =
              pr instanceof TlsProbe.Done rd
                  ? RelayChain.seen(rd.chain())
                  : RelayChain.failed("relay handshake failed");
          CertVerdict v = a.d.interception().judge(name, chain, relay);
          if (v instanceof CertVerdict.Mitm m) {
            a.detected(m.evidence());
            ch.close();
            new RelayReplay(a).replay(kept, flight, null);
            return;
          }
          if (v instanceof CertVerdict.Ok && relay instanceof RelayChain.Seen) {
            a.d.verified().remember(a.dest);
            a.d.directWorked(a.host); // a clean handshake: a block learned earlier has lifted
          } else if (!(v instanceof CertVerdict.Ok)) {
            a.s.note("certificate: " + verdictText(v));
          }
          if (!ch.isActive()) {
            kept.drop();
            a.s.fail(
                "direct",
                new DialException(
                    DialException.Kind.GENERAL, "direct connection closed during the check"));
            return;
          }
          new DirectSend(a).send(ch, kept, flight);
        };
    relayView.whenComplete((pr, e) -> a.loop.execute(() -> judgeWith.accept(pr)));
    if (report.clean()) {
      a.loop.schedule(() -> judgeWith.accept(null), LEAF_GRACE.toMillis(), TimeUnit.MILLISECONDS);
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
}
