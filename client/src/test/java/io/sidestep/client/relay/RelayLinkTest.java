package io.sidestep.client.relay;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.sidestep.client.FakeResolver;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Tunnels as HTTP/2 streams over one connection per relay, against a real relay on loopback. */
@Timeout(90)
class RelayLinkTest {

  @TempDir static Path state;
  @TempDir static Path state2;
  static TestOrigin origin;
  static Relay relay;
  static AccessKey key;
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    origin = TestOrigin.http();
    relay = startRelay(state);
    key = relay.addUser("alice");
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
    relay.close();
    origin.close();
  }

  static Relay startRelay(Path dir) {
    return Relay.builder()
        .listen(new InetSocketAddress("127.0.0.1", 0))
        .stateDir(dir)
        .allowDestination(Cidr.parse("127.0.0.0/8"))
        .start();
  }

  static RelayTransport transport(List<AccessKey> keys, RelayTransport.Link link) {
    return new RelayTransport(
        keys, Duration.ofSeconds(5), Duration.ofSeconds(30), new FakeResolver(), link);
  }

  /**
   * What a tunnel read: how many bytes, the first 4 KiB and the last 1 KiB, complete when the relay
   * ends the stream (a FIN), failed when the stream closes without one.
   */
  static final class Reader extends ChannelInboundHandlerAdapter {
    final StringBuilder head = new StringBuilder();
    final StringBuilder tail = new StringBuilder();
    long count;
    final CompletableFuture<String> ended = new CompletableFuture<>();

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      ctx.channel().attr(StreamBytes.HALF_CLOSURE).set(true);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      String text = b.toString(StandardCharsets.ISO_8859_1);
      b.release();
      count += text.length();
      if (head.length() < 4096) {
        head.append(text, 0, Math.min(text.length(), 4096 - head.length()));
      }
      tail.append(text);
      if (tail.length() > 1024) {
        tail.delete(0, tail.length() - 1024);
      }
      ctx.read();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof ChannelInputShutdownEvent) {
        ended.complete(count <= 4096 ? head.toString() : head + "\n...\n" + tail);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      ended.completeExceptionally(new IllegalStateException("closed without END_STREAM"));
    }
  }

  static Channel tunnel(RelayTransport t, int port) throws Exception {
    return t.connect(group.next(), Destination.of("127.0.0.1", port)).get(20, SECONDS);
  }

  /** Puts a reader on {@code ch} (it reads only when {@code reading}) and sends {@code request}. */
  static Reader read(Channel ch, String request, boolean reading) {
    Reader r = new Reader();
    if (reading) {
      ch.pipeline().addLast(r);
      HeldBytes.passOn(ch.pipeline());
      ch.read();
    }
    ch.writeAndFlush(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    return r;
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  }

  @Test
  void manyTunnelsShareOneConnectionAndASlowReaderStallsOnlyItself() throws Exception {
    RelayTransport t = transport(List.of(key), RelayTransport.Link.DEFAULT);
    int n = 4 << 20;
    Channel slow = tunnel(t, origin.port());
    read(slow, get("/bytes?n=" + (32 << 20)), false); // never read: its window fills and stays full
    List<Channel> tunnels = new ArrayList<>();
    List<Reader> readers = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      Channel ch = tunnel(t, origin.port());
      tunnels.add(ch);
      readers.add(read(ch, get("/bytes?n=" + n), true));
    }
    for (Reader r : readers) {
      assertThat(r.ended.get(60, SECONDS)).startsWith("HTTP/1.1 200");
      assertThat(r.count).isGreaterThan(n);
    }
    assertThat(tunnels)
        .as("every tunnel is a stream of the same connection")
        .allSatisfy(ch -> assertThat(ch.parent()).isSameAs(slow.parent()));
    assertThat(slow.isActive()).as("the slow tunnel is stalled, not cut").isTrue();
    slow.close();
  }

  /**
   * A relay's first SETTINGS are nginx's, 128 streams at most; a user's first request lifts that. A
   * browser may open more tunnels than that at once on a fresh connection: those past the limit
   * wait for room, and the relay's later SETTINGS give it.
   */
  @Test
  void moreTunnelsAtOnceThanTheRelaysFirstStreamLimitAllGetThrough() throws Exception {
    RelayTransport t = transport(List.of(key), RelayTransport.Link.DEFAULT);
    int n = 300;
    List<io.netty.util.concurrent.Future<Channel>> opening = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      opening.add(t.connect(group.next(), Destination.of("127.0.0.1", origin.port())));
    }
    List<Channel> tunnels = new ArrayList<>();
    List<Reader> readers = new ArrayList<>();
    for (var f : opening) {
      Channel ch = f.get(30, SECONDS);
      tunnels.add(ch);
      readers.add(read(ch, get("/bytes?n=100000"), true));
    }
    for (Reader r : readers) {
      assertThat(r.ended.get(60, SECONDS)).startsWith("HTTP/1.1 200");
      assertThat(r.count).isGreaterThan(100_000);
    }
    assertThat(tunnels).allSatisfy(ch -> assertThat(ch.parent()).isSameAs(tunnels.get(0).parent()));
    io.netty.handler.codec.http2.Http2Connection h2 =
        tunnels
            .get(0)
            .parent()
            .pipeline()
            .get(io.netty.handler.codec.http2.Http2FrameCodec.class)
            .connection();
    assertThat(h2.local().maxActiveStreams())
        .as("the relay's stream limit for a user")
        .isEqualTo(io.sidestep.core.netty.Http2Link.MAX_STREAMS);
    assertThat(h2.remote().flowController().initialWindowSize())
        .as("the relay's stream window for a user")
        .isEqualTo(io.sidestep.core.netty.Http2Link.STREAM_WINDOW);
    tunnels.forEach(Channel::close);
  }

  /**
   * An origin for one connection that reads to EOF (a FIN), then answers {@code got <what it read>}
   * and ends its side; {@code got} completes with what it read.
   */
  static Thread answerAfterFin(ServerSocket server, CompletableFuture<String> got) {
    Thread th =
        new Thread(
            () -> {
              try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                String req = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                got.complete(req);
                s.getOutputStream().write(("got " + req).getBytes(StandardCharsets.ISO_8859_1));
                s.shutdownOutput();
                s.getInputStream().read(); // wait for the tunnel to close
              } catch (Exception e) {
                got.completeExceptionally(e);
              }
            });
    th.start();
    return th;
  }

  @Test
  void halfCloseTravelsBothWays() throws Exception {
    // The origin reads to EOF (our END_STREAM, its FIN), then answers and ends its side.
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<String> got = new CompletableFuture<>();
      Thread th = answerAfterFin(server, got);
      RelayTransport t = transport(List.of(key), RelayTransport.Link.DEFAULT);
      Channel ch = tunnel(t, server.getLocalPort());
      Reader r = read(ch, "hello", true);
      ch.writeAndFlush(new DefaultHttp2DataFrame(true));
      assertThat(got.get(20, SECONDS))
          .as("the origin saw a FIN after the bytes")
          .isEqualTo("hello");
      assertThat(r.ended.get(20, SECONDS))
          .as("its FIN came back as END_STREAM after its answer")
          .isEqualTo("got hello");
      ch.closeFuture().await(20, SECONDS);
      assertThat(ch.isActive()).as("both sides ended: the stream is closed").isFalse();
      th.join(20_000);
    }
  }

  @Test
  void aRotatedConnectionDrainsWithoutCuttingItsTunnel() throws Exception {
    RelayTransport t =
        transport(
            List.of(key), new RelayTransport.Link(Duration.ofSeconds(3), Duration.ofMillis(300)));
    try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<String> got = new CompletableFuture<>();
      Thread th = answerAfterFin(server, got);
      Channel old = tunnel(t, server.getLocalPort());
      Reader r = read(old, "across ", true);
      // Wait for the rotation: a new tunnel then rides another connection.
      Channel fresh = tunnel(t, origin.port());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (fresh.parent() == old.parent() && System.nanoTime() < deadline) {
        fresh.close();
        Thread.sleep(50); // polling for the rotation, not waiting for an outcome
        fresh = tunnel(t, origin.port());
      }
      assertThat(fresh.parent())
          .as("a new connection after the lifetime")
          .isNotSameAs(old.parent());
      assertThat(old.parent().isActive()).as("the old one drains its open stream").isTrue();
      old.writeAndFlush(Unpooled.copiedBuffer("a rotation", StandardCharsets.ISO_8859_1));
      old.writeAndFlush(new DefaultHttp2DataFrame(true));
      assertThat(r.ended.get(20, SECONDS)).isEqualTo("got across a rotation");
      assertThat(got.get(20, SECONDS)).isEqualTo("across a rotation");
      old.parent().closeFuture().await(20, SECONDS);
      assertThat(old.parent().isActive()).as("closed once its last stream ended").isFalse();
      fresh.close();
      th.join(20_000);
    }
  }

  @Test
  void aLostConnectionIsReplacedBeforeATunnelAsksForOne() throws Exception {
    RelayTransport t =
        transport(
            List.of(key), new RelayTransport.Link(Duration.ofMillis(200), Duration.ofMinutes(10)));
    Channel first = tunnel(t, origin.port());
    Channel lost = first.parent();
    first.close();
    Thread.sleep(500); // the connection grows older than two PING intervals
    lost.close(); // as a network or a restarting relay would drop it
    Channel replaced = null;
    long deadline = System.nanoTime() + SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      replaced = t.openLink(key);
      if (replaced != null && replaced != lost) {
        break;
      }
      Thread.sleep(20); // polling for the new connection
    }
    assertThat(replaced)
        .as("a new connection, with no tunnel asking")
        .isNotNull()
        .isNotSameAs(lost);
    Channel next = tunnel(t, origin.port());
    assertThat(next.parent()).as("the next tunnel rides it").isSameAs(replaced);
    Reader ok = read(next, get("/ok"), true);
    assertThat(ok.ended.get(20, SECONDS)).startsWith("HTTP/1.1 200");
  }

  @Test
  void aKilledRelayIsNoticedAndTheNextOneTakesOver() throws Exception {
    Relay doomed = startRelay(state2);
    AccessKey first = doomed.addUser("bob");
    RelayTransport t =
        transport(
            List.of(first, key),
            new RelayTransport.Link(Duration.ofSeconds(1), Duration.ofMinutes(10)));
    Channel ch = tunnel(t, origin.port());
    Reader r = read(ch, get("/bytes?n=" + (1L << 40)), true); // far more than it can move
    doomed.close();
    assertThatThrownBy(() -> r.ended.get(20, SECONDS))
        .as("the tunnel on the dead relay ends without a FIN, it does not hang")
        .hasCauseInstanceOf(IllegalStateException.class);
    Channel next = tunnel(t, origin.port());
    assertThat(next.attr(io.sidestep.client.dial.Dialer.VIA).get()).contains(key.label());
    Reader ok = read(next, get("/ok"), true);
    assertThat(ok.ended.get(20, SECONDS)).startsWith("HTTP/1.1 200");
  }

  @Test
  void theLinkKnowsItsRoundTripFromAnAnsweredPing() throws Exception {
    RelayTransport t =
        transport(
            List.of(key), new RelayTransport.Link(Duration.ofMillis(100), Duration.ofMinutes(10)));
    assertThat(t.roundTrip(key)).as("nothing measured before the link exists").isEmpty();
    t.warm(group);
    long end = System.nanoTime() + SECONDS.toNanos(20);
    while (t.roundTrip(key).isEmpty() && System.nanoTime() < end) {
      Thread.sleep(20); // the link PINGs 100 ms after its last read
    }
    assertThat(t.roundTrip(key)).as("measured once the relay answered a PING").isPresent();
    assertThat(t.roundTrip(key).get()).isPositive().isLessThan(Duration.ofSeconds(5));
  }
}
