package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.sidestep.client.dial.Session;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.Judgement;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

/**
 * One AUTO connection under watch, driving the {@link Steps} that {@code probe} drives too: DNS
 * checked against the relay when the local answer looks like a censor's; a direct connect with a
 * short timeout; the user's first flight kept; for a TLS destination not verified recently, a
 * handshake of our own first; then the flight sent direct and the first answer watched. A failure a
 * censor causes, confirmed by the relay doing the same step, is learned and the flight replayed
 * through the relay, so the user gets the page on this very visit. Everything runs on the session's
 * event loop.
 *
 * <p>This class holds what the steps share (the session, the destination, judging and learning);
 * each step is a class of its own: {@link DnsCheck}, {@link DirectConnect}, {@link
 * FirstFlightRead}, {@link CertificateCheck}, {@link DirectSend}, {@link HttpComparison}, {@link
 * SilenceRace}, {@link ThrottleSampling} and {@link RelayReplay}.
 */
final class Attempt {

  final Detection d;
  final Steps steps;
  final Session s;
  final Destination dest;
  final String host;
  final EventLoop loop;

  /** How long the direct connect took: the path's round trip, for {@link HttpComparison}. */
  Duration connectTook = Duration.ZERO;

  Attempt(Detection detection, Session session) {
    this.d = detection;
    this.steps = detection.steps();
    this.s = session;
    this.dest = session.destination();
    this.host = dest.host();
    this.loop = session.loop();
  }

  void start() {
    if (dest.isIpLiteral()) {
      afterDns(List.of(IpLiterals.parse(host)));
      return;
    }
    new DnsCheck(this).run();
  }

  /** With the addresses known, the session's router decides again; AUTO stays under watch. */
  void afterDns(List<InetAddress> addresses) {
    s.resolved(addresses, () -> new DirectConnect(this).watched(addresses));
  }

  /** A tunnel to the destination through the relay, for a replay or a control. */
  Future<Channel> connectRelay() {
    return s.dialer().connectRelay(loop, dest);
  }

  /**
   * Writes {@code bytes} first on {@code ch}, after lifting the hold on what the channel read so
   * far; the caller has already put its watch in the pipeline.
   */
  static ChannelFuture writeFirst(Channel ch, ByteBuf bytes) {
    HeldBytes.passOn(ch.pipeline());
    return ch.writeAndFlush(bytes);
  }

  // ---- learning ---------------------------------------------------------------------------------

  void noteJudgement(Judgement j) {
    if (j instanceof Judgement.Censored c) {
      detected(c.evidence());
    } else if (j instanceof Judgement.Outage o) {
      s.note("not learned: " + o.reason());
    }
  }

  void detected(Evidence e) {
    s.note("detected " + e.summary());
    d.learn(host, e);
  }
}
