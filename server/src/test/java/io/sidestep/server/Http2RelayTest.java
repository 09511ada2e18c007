package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * ALPN {@code h2}: tunnels are HTTP/2 CONNECT streams, and a stranger's requests get the decoy site
 * over HTTP/2, exactly what the same request gets over HTTP/1.1.
 */
@Timeout(60)
class Http2RelayTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey alice;
  static TestOrigin http;
  static EventLoopGroup group;
  static Channel connection;

  @BeforeAll
  static void start() throws Exception {
    http = TestOrigin.http();
    relay = TestRelays.reachingLoopback(state).start();
    alice = relay.addUser("alice");
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    connection = open(group, relay.address());
  }

  /** An HTTP/2 connection over TLS (ALPN h2 only, any certificate) to {@code address}. */
  static Channel open(EventLoopGroup group, java.net.InetSocketAddress address) throws Exception {
    SslContext tls =
        SslContextBuilder.forClient()
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2))
            .build();
    Channel connection =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(tls.newHandler(ch.alloc()))
                        .addLast(Http2FrameCodecBuilder.forClient().build())
                        .addLast(
                            new Http2MultiplexHandler(
                                new ChannelInitializer<>() {
                                  @Override
                                  protected void initChannel(Channel c) {}
                                }));
                  }
                })
            .connect(address)
            .sync()
            .channel();
    connection.pipeline().get(SslHandler.class).handshakeFuture().sync();
    assertThat(connection.pipeline().get(SslHandler.class).applicationProtocol()).isEqualTo("h2");
    return connection;
  }

  @AfterAll
  static void stop() {
    connection.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    relay.close();
    http.close();
  }

  /** What one stream got: its response headers and all its DATA, complete at END_STREAM. */
  record Answer(Http2Headers headers, String body) {}

  /** Sends {@code headers}, then {@code body} (if any) with END_STREAM, and reads the answer. */
  static Answer exchange(Http2Headers headers, String body) throws Exception {
    return exchange(connection, headers, body);
  }

  /** As {@link #exchange(Http2Headers, String)}, on {@code connection}. */
  static Answer exchange(Channel connection, Http2Headers headers, String body) throws Exception {
    CompletableFuture<Answer> answer = new CompletableFuture<>();
    ByteArrayOutputStream data = new ByteArrayOutputStream();
    Http2Headers[] got = new Http2Headers[1];
    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new SimpleChannelInboundHandler<Http2StreamFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                    boolean end = false;
                    if (f instanceof Http2HeadersFrame h) {
                      got[0] = got[0] == null ? h.headers() : got[0];
                      end = h.isEndStream();
                    } else if (f instanceof Http2DataFrame d) {
                      ByteBuf b = d.content();
                      byte[] bytes = new byte[b.readableBytes()];
                      b.readBytes(bytes);
                      data.writeBytes(bytes);
                      end = d.isEndStream();
                    }
                    if (end) {
                      answer.complete(
                          new Answer(got[0], data.toString(StandardCharsets.ISO_8859_1)));
                    }
                  }

                  @Override
                  public void channelInactive(ChannelHandlerContext ctx) {
                    answer.completeExceptionally(new IllegalStateException("stream closed"));
                  }
                })
            .open()
            .sync()
            .getNow();
    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, body == null));
    if (body != null) {
      stream.writeAndFlush(
          new DefaultHttp2DataFrame(
              Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1), true));
    }
    return answer.get(20, TimeUnit.SECONDS);
  }

  /** A tunnel stream on {@code connection} to {@code authority}, once the relay answered 200. */
  static Http2StreamChannel openTunnel(Channel connection, String authority, AccessKey key)
      throws Exception {
    CompletableFuture<Http2Headers> answered = new CompletableFuture<>();
    Http2StreamChannel tunnel =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new SimpleChannelInboundHandler<Http2StreamFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                    if (f instanceof Http2HeadersFrame h) {
                      answered.complete(h.headers());
                    }
                  }
                })
            .open()
            .sync()
            .getNow();
    tunnel.writeAndFlush(new DefaultHttp2HeadersFrame(connect(authority, key)));
    assertThat(answered.get(10, TimeUnit.SECONDS).status().toString()).isEqualTo("200");
    return tunnel;
  }

  static Http2Headers connect(String authority, AccessKey key) {
    Http2Headers h = new DefaultHttp2Headers().method("CONNECT").authority(authority);
    if (key != null) {
      h.set("proxy-authorization", RelayClient.basic(key));
    }
    return h;
  }

  @Test
  void aConnectStreamIsATunnelAndEndStreamIsItsFin() throws Exception {
    // The request ends with END_STREAM: the origin sees a FIN after it and still answers.
    Answer a =
        exchange(
            connect("127.0.0.1:" + http.port(), alice),
            "GET /h2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(a.headers().status().toString()).isEqualTo("200");
    assertThat(a.body()).startsWith("HTTP/1.1 200").endsWith(TestOrigin.BODY);
    assertThat(http.lastRequest().path()).isEqualTo("/h2");
  }

  @Test
  void streamsAreAdmittedAsTheirConnectionAndMeteredEachOnItsOwn() throws Exception {
    AccessKey hank = relay.addUser("hank", Limits.NONE.withMaxConns(1));
    String request = "GET /h2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 2; i++) {
      Answer a = exchange(connect("127.0.0.1:" + http.port(), hank), request);
      assertThat(a.headers().status().toString())
          .as("stream %d on the one connection the user may have", i)
          .isEqualTo("200");
      assertThat(a.body()).endsWith(TestOrigin.BODY);
    }
    relay.setLimits("hank", l -> l.withWindow(100, 30));
    Answer refused = exchange(connect("127.0.0.1:" + http.port(), hank), null);
    assertThat(refused.headers().status().toString()).isEqualTo("403");
    assertThat(refused.headers().get("sidestep-refused").toString())
        .as("both streams' bytes were counted")
        .startsWith("over the data limit of 100");
  }

  @Test
  void removingAUserCutsItsOpenTunnelsOnTheConnectionNotOnlyItsNewStreams() throws Exception {
    AccessKey ivy = relay.addUser("ivy");
    Channel own = open(group, relay.address());
    try (java.net.ServerSocket quiet =
        new java.net.ServerSocket(0, 5, http.address().getAddress())) {
      // A tunnel to a server that says nothing: it stays open until someone cuts it.
      Http2StreamChannel tunnel = openTunnel(own, "127.0.0.1:" + quiet.getLocalPort(), ivy);
      assertThat(relay.removeUser("ivy")).isTrue();
      // A graceful close would wait for the tunnel to end first, which it never does.
      assertThat(tunnel.closeFuture().await(10, TimeUnit.SECONDS)).as("tunnel cut").isTrue();
      assertThat(own.closeFuture().await(10, TimeUnit.SECONDS)).as("connection cut").isTrue();
    } finally {
      own.close();
    }
  }

  /**
   * Opens a tunnel stream to {@code port} that sends {@code first} with its CONNECT, in one flush
   * (a fast open), and lists what arrives: "200" for the answer, the text of each DATA frame, "END"
   * for END_STREAM and "|" where a read of the connection ended.
   */
  static java.util.List<String> fastOpen(int port, String first, int until) throws Exception {
    java.util.List<String> seen =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.CountDownLatch enough = new java.util.concurrent.CountDownLatch(until);
    Http2StreamChannel tunnel =
        new Http2StreamChannelBootstrap(connection)
            .handler(
                new SimpleChannelInboundHandler<Http2StreamFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame f) {
                    if (f instanceof Http2HeadersFrame h) {
                      seen.add(h.headers().status().toString());
                      enough.countDown();
                    } else if (f instanceof Http2DataFrame d) {
                      if (d.content().isReadable()) {
                        seen.add(d.content().toString(StandardCharsets.ISO_8859_1));
                        enough.countDown();
                      }
                      if (d.isEndStream()) {
                        seen.add("END");
                        enough.countDown();
                      }
                    }
                  }

                  @Override
                  public void channelReadComplete(ChannelHandlerContext ctx) {
                    seen.add("|");
                  }
                })
            .open()
            .sync()
            .getNow();
    try {
      tunnel.write(new DefaultHttp2HeadersFrame(connect("127.0.0.1:" + port, alice)));
      tunnel.writeAndFlush(
          new DefaultHttp2DataFrame(Unpooled.copiedBuffer(first, StandardCharsets.ISO_8859_1)));
      assertThat(enough.await(10, TimeUnit.SECONDS)).as("what arrived: %s", seen).isTrue();
      synchronized (seen) {
        return new java.util.ArrayList<>(seen);
      }
    } finally {
      tunnel.close();
    }
  }

  @Test
  void aFastOpensAnswerGoesOutWithTheDestinationsFirstBytes() throws Exception {
    try (java.net.ServerSocket greeter =
        new java.net.ServerSocket(0, 5, http.address().getAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (java.net.Socket s = greeter.accept()) {
                  s.getInputStream().readNBytes(5); // "hello"
                  s.getOutputStream().write("welcome".getBytes(StandardCharsets.US_ASCII));
                  s.getOutputStream().flush();
                  Thread.sleep(200); // then a pause before the server hangs up
                } catch (Exception e) {
                  // the test fails on what it did not get
                }
              });
      t.start();
      java.util.List<String> seen = fastOpen(greeter.getLocalPort(), "hello", 3);
      // One record, so one read: the 200 is not on its own in front of the first bytes.
      assertThat(String.join(" ", seen)).startsWith("200 welcome |");
      assertThat(seen).contains("END");
      t.join(5000);
    }
  }

  @Test
  void aFastOpensAnswerDoesNotWaitForADestinationThatSaysNothingOrHangsUp() throws Exception {
    try (java.net.ServerSocket quiet =
        new java.net.ServerSocket(0, 5, http.address().getAddress())) {
      // Accepted by the system and never read or answered: the 200 goes out on its own, soon.
      long start = System.nanoTime();
      java.util.List<String> seen = fastOpen(quiet.getLocalPort(), "hello", 1);
      assertThat(seen.get(0)).isEqualTo("200");
      assertThat(System.nanoTime() - start)
          .as("well within the client's wait for an answer")
          .isLessThan(TimeUnit.SECONDS.toNanos(5));
    }
    try (java.net.ServerSocket closing =
        new java.net.ServerSocket(0, 5, http.address().getAddress())) {
      Thread t =
          new Thread(
              () -> {
                try (java.net.Socket s = closing.accept()) {
                  s.getInputStream().readNBytes(5);
                } catch (Exception e) {
                  // the test fails on what it did not get
                }
              });
      t.start();
      // A destination that hangs up without a word: the 200, then END_STREAM (not a reset).
      java.util.List<String> seen = fastOpen(closing.getLocalPort(), "hello", 2);
      assertThat(seen).containsSubsequence("200", "END");
      t.join(5000);
    }
  }

  @Test
  void anHttp2ConnectionOutlivesTheWaitForAFirstRequestHead(@TempDir Path own) throws Exception {
    // The HTTP/1.1 front that waits for a request head (60 s by default, 1 s here) is replaced by
    // the HTTP/2 codec once ALPN says h2; its timer used to stay and close the whole connection,
    // with every tunnel on it, a minute after it opened.
    try (Relay quick =
            TestRelays.reachingLoopback(own)
                .requestTimeout(java.time.Duration.ofSeconds(1))
                .start();
        java.net.ServerSocket quiet =
            new java.net.ServerSocket(0, 5, http.address().getAddress())) {
      AccessKey bob = quick.addUser("bob");
      Channel link = open(group, quick.address());
      try {
        Http2StreamChannel tunnel = openTunnel(link, "127.0.0.1:" + quiet.getLocalPort(), bob);
        assertThat(link.closeFuture().await(3, TimeUnit.SECONDS))
            .as("the connection is still open three request timeouts later")
            .isFalse();
        assertThat(tunnel.isActive()).as("and so is its tunnel").isTrue();
        Answer a =
            exchange(
                link,
                connect("127.0.0.1:" + http.port(), bob),
                "GET /later HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(a.body()).endsWith(TestOrigin.BODY);
      } finally {
        link.close();
      }
    }
  }

  @Test
  void aStrangerGetsTheDecoySiteAsOverHttp1() throws Exception {
    Answer h2 =
        exchange(
            new DefaultHttp2Headers()
                .method("GET")
                .scheme("https")
                .authority("example.org")
                .path("/"),
            null);
    RelayClient.Response h1;
    try (RelayClient c = RelayClient.connect(relay.address())) {
      h1 = c.request("GET / HTTP/1.1\r\nHost: example.org\r\n\r\n");
    }
    assertThat(h2.headers().status().toString()).isEqualTo(String.valueOf(h1.status()));
    assertThat(h2.body()).isEqualTo(h1.bodyText());
  }

  @Test
  void aConnectWithoutCredentialsGetsTheDecoysAnswerNotA407() throws Exception {
    Answer h2 = exchange(connect("127.0.0.1:" + http.port(), null), null);
    RelayClient.Response h1;
    try (RelayClient c = RelayClient.connect(relay.address())) {
      h1 = c.request("CONNECT 127.0.0.1:" + http.port() + " HTTP/1.1\r\n\r\n");
    }
    assertThat(h2.headers().status().toString())
        .isNotEqualTo("407")
        .isEqualTo(String.valueOf(h1.status()));
  }
}
