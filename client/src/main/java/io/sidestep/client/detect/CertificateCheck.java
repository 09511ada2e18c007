package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.CertVerdict;
import io.sidestep.core.detect.FirstFlight;
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
    // The relay's view, started at once: the leaf to compare with, or the control on a failure.
    CompletableFuture<TlsProbe.Result> relayView =
        a.steps.relayHandshake(a.loop, a.s.dialer(), a.dest, name);
    a.steps
        .directHandshake(a.loop, a.s.dialer(), a.dest, List.of(address.getAddress()), name)
        .thenAccept(r -> a.loop.execute(() -> handshook(ch, kept, flight, name, r, relayView)));
  }

  private void handshook(
      Channel ch,
      KeptFlight kept,
      FirstFlight flight,
      String name,
      TlsProbe.Result r,
      CompletableFuture<TlsProbe.Result> relayView) {
    if (!ch.isActive() || !a.s.inbound().isActive()) {
      kept.drop();
      ch.close();
      a.s.fail("direct", new DialException(DialException.Kind.GENERAL, "closed during the check"));
      return;
    }
    if (r instanceof TlsProbe.Done done) {
      chainSeen(ch, kept, flight, name, done.chain(), relayView);
    } else if (r instanceof TlsProbe.Failed failed) {
      // Our own handshake met the censor: the user's bytes were never sent direct.
      ch.close();
      new RelayReplay(a)
          .afterStreamFailure(
              a.steps.streamFailed(failed.failure(), failed.bytesRead(), flight, failed.took()),
              kept,
              flight);
    } else {
      // The second connection could not be made; judge the user's own attempt instead.
      new DirectSend(a).send(ch, kept, flight);
    }
  }

  private void chainSeen(
      Channel ch,
      KeptFlight kept,
      FirstFlight flight,
      String name,
      List<X509Certificate> chain,
      CompletableFuture<TlsProbe.Result> relayView) {
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
          CertVerdict v = a.steps.judgeChain(name, chain, pr);
          if (v instanceof CertVerdict.Mitm m) {
            a.detected(m.evidence());
            ch.close();
            new RelayReplay(a).replay(kept, flight, null);
            return;
          }
          if (v instanceof CertVerdict.Ok && pr instanceof TlsProbe.Done) {
            a.d.verified().remember(a.dest);
            a.d.directWorked(a.host); // a clean handshake: a block learned earlier has lifted
          } else if (!(v instanceof CertVerdict.Ok)) {
            a.s.note("certificate: " + Steps.describe(v));
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
    if (a.steps.chainClean(name, chain)) {
      a.loop.schedule(() -> judgeWith.accept(null), LEAF_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }
}
