package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.Session;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.netty.DialException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The seam detection plugs into: an {@link AutoRoute} answers the door once a first path is up,
 * keeps the user's first flight, watches the first path fail, and replays the flight on a second
 * path, while the user's connection stays open. Here the "censored" path is a server that closes as
 * soon as it reads anything, and the second path is an echo server standing in for the relay.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AutoRouteSeamTest {

  @Test
  void firstFlightIsReplayedOnAnotherPathAfterAnEof() throws Exception {
    try (ServerSocket censored = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        EchoServer fallback = new EchoServer("127.0.0.1")) {
      Thread closer =
          new Thread(
              () -> {
                try (Socket s = censored.accept()) {
                  s.getInputStream().read(); // the first flight arrives, then an EOF
                } catch (IOException e) {
                  // test ends
                }
              });
      closer.setDaemon(true);
      closer.start();
      AutoRoute watchful =
          session -> {
            List<InetAddress> direct = List.of(IpLiterals.parse("127.0.0.1"));
            session
                .dialer()
                .connectDirect(session.loop(), session.destination(), direct, Duration.ofSeconds(2))
                .addListener(
                    f -> {
                      if (!f.isSuccess()) {
                        session.fail("auto", DialException.of(f.cause(), "direct"));
                        return;
                      }
                      Channel first = (Channel) f.getNow();
                      session.succeed();
                      session
                          .readFirstFlight(Duration.ofSeconds(3))
                          .addListener(
                              g -> {
                                ByteBuf flight = (ByteBuf) g.getNow();
                                first
                                    .pipeline()
                                    .addLast(new EofWatch(session, flight, fallback.port()));
                                first.writeAndFlush(flight.retainedDuplicate());
                                first.read();
                              });
                    });
          };
      try (Client client =
          Client.builder()
              .http(new java.net.InetSocketAddress("127.0.0.1", 0))
              .socks(new java.net.InetSocketAddress("127.0.0.1", 0))
              .threads(1)
              .autoRoute(watchful)
              .start()) {
        try (Socks5 s = new Socks5(client.socksAddress())) {
          assertThat(s.greet()).isZero();
          assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), censored.getLocalPort()))
              .as("the door answers once the direct connect is up")
              .isZero();
          assertThat(s.echo("first flight"))
              .as("replayed through the second path")
              .isEqualTo("first flight");
          assertThat(s.echo(" and more")).isEqualTo(" and more");
        }
      }
    }
  }

  @Test
  void firstFlightIsCollectedAcrossReadsUntilComplete() throws Exception {
    try (EchoServer echo = new EchoServer("127.0.0.1")) {
      java.util.concurrent.atomic.AtomicReference<String> seen =
          new java.util.concurrent.atomic.AtomicReference<>();
      AutoRoute collecting =
          session -> {
            session.succeed();
            session
                .readFirstFlight(
                    Duration.ofSeconds(10),
                    1024,
                    bytes -> bytes.length > 0 && bytes[bytes.length - 1] == '!')
                .addListener(
                    g -> {
                      ByteBuf flight = (ByteBuf) g.getNow();
                      seen.set(flight.toString(java.nio.charset.StandardCharsets.US_ASCII));
                      session
                          .dialer()
                          .connectDirect(
                              session.loop(),
                              session.destination(),
                              List.of(IpLiterals.parse("127.0.0.1")))
                          .addListener(f -> session.splice((Channel) f.getNow(), "auto", flight));
                    });
          };
      try (Client client =
          Client.builder()
              .http(new java.net.InetSocketAddress("127.0.0.1", 0))
              .socks(new java.net.InetSocketAddress("127.0.0.1", 0))
              .threads(1)
              .autoRoute(collecting)
              .start()) {
        try (Socks5 s = new Socks5(client.socksAddress())) {
          assertThat(s.greet()).isZero();
          assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), echo.port())).isZero();
          s.out.write("first ".getBytes());
          s.out.flush();
          Thread.sleep(100); // a second segment, so that the flight spans two reads
          s.out.write("flight!".getBytes());
          s.out.flush();
          assertThat(new String(s.in.readNBytes(13))).isEqualTo("first flight!");
        }
        assertThat(seen.get())
            .as("the whole flight, not just the first read")
            .isEqualTo("first flight!");
      }
    }
  }

  /** Watches the first path; on EOF before any byte, replays the flight on the fallback. */
  private static final class EofWatch extends ChannelInboundHandlerAdapter {
    private final Session session;
    private final ByteBuf flight;
    private final int fallbackPort;

    EofWatch(Session session, ByteBuf flight, int fallbackPort) {
      this.session = session;
      this.flight = flight;
      this.fallbackPort = fallbackPort;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      // Not expected here; a real watcher would splice and pass these bytes on.
      io.netty.util.ReferenceCountUtil.release(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      session.note("EOF after the first flight, 0 bytes read; replayed");
      session
          .dialer()
          .connectDirect(
              session.loop(),
              io.sidestep.core.route.Destination.of("127.0.0.1", fallbackPort),
              List.of(IpLiterals.parse("127.0.0.1")))
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  session.splice((Channel) f.getNow(), "auto->fallback", flight);
                } else {
                  flight.release();
                  session.fail("auto", DialException.of(f.cause(), "fallback"));
                }
              });
    }
  }
}
