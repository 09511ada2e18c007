package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.detect.FirstFlight;
import io.sidestep.core.netty.DialException;
import java.util.Optional;

/**
 * Step 3 of an {@link Attempt}: once connected direct, the user's first flight is read and kept for
 * a replay; a TLS destination not verified recently goes to the {@link CertificateCheck} first,
 * anything else is sent on by {@link DirectSend}.
 */
final class FirstFlightRead {

  /** Most bytes of a first flight kept for replay. */
  static final int MAX_FLIGHT = FirstFlight.MAX_CLIENT_HELLO;

  private final Attempt a;

  FirstFlightRead(Attempt attempt) {
    this.a = attempt;
  }

  void connected(Channel ch) {
    a.s
        .succeed()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ch.close();
                return;
              }
              read(ch, null, 0);
            });
  }

  private void read(Channel ch, CompositeByteBuf acc, int round) {
    a.s
        .readFirstFlight(
            round == 0 ? a.d.settings().flightWait() : a.d.settings().firstReadTimeout())
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ReferenceCountUtil.release(acc);
                ch.close();
                a.s.fail("direct", DialException.of(f.cause(), "reading the first flight"));
                return;
              }
              ByteBuf b = (ByteBuf) f.getNow();
              if (!b.isReadable()) {
                b.release();
                if (acc == null) {
                  // The server speaks first (or the user is slow): nothing to watch or replay.
                  a.s.splice(ch, "direct");
                } else {
                  proceed(ch, new KeptFlight(acc), FirstFlight.inspect(ByteBufUtil.getBytes(acc)));
                }
                return;
              }
              CompositeByteBuf all = acc != null ? acc : ch.alloc().compositeBuffer();
              all.addComponent(true, b);
              FirstFlight flight = FirstFlight.inspect(ByteBufUtil.getBytes(all));
              if (flight.incomplete() && all.readableBytes() < MAX_FLIGHT && round < 32) {
                // Later: the session's capture handler is still leaving the pipeline just now.
                a.loop.execute(() -> read(ch, all, round + 1));
              } else {
                proceed(ch, new KeptFlight(all), flight);
              }
            });
  }

  private void proceed(Channel ch, KeptFlight kept, FirstFlight flight) {
    if (flight instanceof FirstFlight.ClientHello hello
        && a.d.settings().interceptionCheck()
        && !a.d.verified().fresh(a.dest)) {
      Optional<String> name =
          hello
              .serverName()
              .or(() -> a.dest.isIpLiteral() ? Optional.empty() : Optional.of(a.host));
      if (name.isPresent()) {
        new CertificateCheck(a).run(ch, kept, flight, name.get());
        return;
      }
    }
    new DirectSend(a).send(ch, kept, flight);
  }
}
