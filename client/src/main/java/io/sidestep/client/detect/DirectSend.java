package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.FirstFlight;

/**
 * Step 3 again, for an {@link Attempt}: the kept flight sent direct and the first answer watched. A
 * GET or HEAD not verified recently is judged, and compared with the relay's answer only when it
 * could be a censor's ({@link HttpComparison}); a failure before the answer goes to {@link
 * RelayReplay}; after the answer, a late reset is checked and the download speed measured ({@link
 * ThrottleSampling}).
 */
final class DirectSend {

  private final Attempt a;

  DirectSend(Attempt attempt) {
    this.a = attempt;
  }

  void send(Channel ch, KeptFlight kept, FirstFlight flight) {
    if (flight instanceof FirstFlight.HttpRequest r
        && (r.method().equals("GET") || r.method().equals("HEAD"))
        && !a.d.verifiedHttp().fresh(a.dest)) {
      new HttpComparison(a, ch, kept, flight).run();
      return;
    }
    long t = System.nanoTime();
    FirstResponseWatch[] watch = new FirstResponseWatch[1];
    watch[0] =
        new FirstResponseWatch(
            a.d.settings().firstReadTimeout(),
            new FirstResponseWatch.Listener() {
              @Override
              public void answered() {
                watch[0].handOver();
                answeredDirect(ch, kept, flight, t);
              }

              @Override
              public void failed(StreamFailure failure, String detail) {
                if (failure == StreamFailure.SILENCE && flight.replayable()) {
                  ch.pipeline().remove(watch[0]);
                  new SilenceRace(a, ch, kept, flight, t).start();
                  return;
                }
                ch.close();
                new RelayReplay(a)
                    .afterStreamFailure(
                        a.steps.streamFailed(failure, 0, flight, Steps.elapsed(t)), kept, flight);
              }
            });
    ch.pipeline().addLast(FirstResponseWatch.NAME, watch[0]);
    Attempt.writeFirst(ch, kept.buf().retainedDuplicate())
        .addListener(
            w -> {
              if (w.isSuccess()) {
                ch.read();
              } else {
                ch.pipeline().fireExceptionCaught(w.cause());
              }
            });
  }

  private void answeredDirect(Channel ch, KeptFlight kept, FirstFlight flight, long t) {
    ch.pipeline()
        .addLast(
            StreamWatch.NAME,
            new StreamWatch(
                0,
                new StreamWatch.Listener() {
                  @Override
                  public void reset(long bytesRead, String detail) {
                    new RelayReplay(a).lateReset(bytesRead, kept, flight, Steps.elapsed(t));
                  }

                  @Override
                  public void working(long bytesRead) {
                    kept.drop();
                    a.d.directWorked(a.host);
                  }
                }));
    ch.pipeline().addLast(RateMeter.NAME, new ThrottleSampling(a).meter());
    a.s.splice(ch, "direct");
    // Once the direct connection is gone nobody needs the flight any more; if it answered and
    // ended without a reset, the direct path works.
    ch.closeFuture()
        .addListener(
            x -> {
              if (kept.buf() != null) {
                kept.drop();
                a.d.directWorked(a.host);
              }
            });
  }
}
