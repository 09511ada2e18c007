package io.sidestep.client.detect;

import io.netty.channel.Channel;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.detect.ThrottleJudge;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Step 6 of an {@link Attempt}: throttling, measured on real traffic. A slow direct download is
 * compared with downloads of our own through the relay; a censor's throttle is learned.
 */
final class ThrottleSampling {

  /** A direct download slower than this is compared with the relay's speed: 500 kB/s. */
  static final double SUSPECT_RATE = 500_000;

  /** Relay downloads measured for the comparison: 2, of at most 1 MiB and 10 s each. */
  static final int RELAY_SAMPLES = 2;

  private final Attempt a;

  ThrottleSampling(Attempt attempt) {
    this.a = attempt;
  }

  void measured(ThrottleJudge.Transfer direct, FirstFlight flight) {
    if (direct.bytesPerSecond() >= SUSPECT_RATE || !a.d.throttleCheckDue(a.host)) {
      return;
    }
    boolean tls = flight instanceof FirstFlight.ClientHello;
    String sni =
        tls
            ? ((FirstFlight.ClientHello) flight)
                .serverName()
                .orElse(a.dest.isIpLiteral() ? null : a.host)
            : null;
    String path = "/";
    if (flight instanceof FirstFlight.HttpRequest r) {
      path = originForm(r.target());
    }
    byte[] request = Steps.httpGet(a.host, path);
    List<ThrottleJudge.Transfer> relay = new ArrayList<>();
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
      a.d
          .throttleJudge()
          .judge(new ThrottleJudge.Samples(List.of(direct), relay, List.of(), List.of()))
          .ifPresent(e -> a.d.learn(a.host, e));
      return;
    }
    a.connectRelay()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                return; // no control, nothing learned
              }
              Download.over(
                      (Channel) f.getNow(),
                      tls,
                      sni,
                      a.dest.port(),
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
}
