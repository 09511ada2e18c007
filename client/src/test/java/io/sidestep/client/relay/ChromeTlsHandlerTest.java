package io.sidestep.client.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChromeTlsHandler} against a real relay: the handshake event, the protocol ALPN chose,
 * decrypted bytes up the pipeline, and a pin mismatch as the handshake's failure.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChromeTlsHandlerTest {

  @TempDir static Path relayState;
  static Relay relay;
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(relayState)
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .ioThreads(1)
            .start();
  }

  @AfterAll
  static void stop() {
    relay.close();
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
  }

  /** What one connection saw: its handshake event and the first decrypted bytes. */
  record Seen(
      ChromeTlsHandler tls,
      CompletableFuture<SslHandshakeCompletionEvent> handshake,
      CompletableFuture<String> firstBytes,
      CompletableFuture<String> alpnSeenByThePipeline) {}

  private static Seen connect(String pin) throws InterruptedException {
    ChromeTlsHandler tls =
        new ChromeTlsHandler(null, new PinnedTrustManager(pin, "test relay"), 5000);
    CompletableFuture<SslHandshakeCompletionEvent> handshake = new CompletableFuture<>();
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> alpn = new CompletableFuture<>();
    new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .handler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel c) {
                c.pipeline()
                    .addLast(tls)
                    .addLast(
                        new ChannelInboundHandlerAdapter() {
                          @Override
                          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                            if (evt instanceof SslHandshakeCompletionEvent done) {
                              alpn.complete(RelayTls.applicationProtocol(ctx.pipeline()));
                              handshake.complete(done);
                              if (done.isSuccess()) {
                                // HTTP/2's preface and an empty SETTINGS frame
                                ctx.writeAndFlush(
                                    Unpooled.copiedBuffer(
                                        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
                                            + "\0\0\0\u0004\0\0\0\0\0",
                                        StandardCharsets.ISO_8859_1));
                              }
                            }
                          }

                          @Override
                          public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ByteBuf b = (ByteBuf) msg;
                            first.complete(b.toString(StandardCharsets.ISO_8859_1));
                            b.release();
                            ctx.close();
                          }
                        });
              }
            })
        .connect(relay.address())
        .sync();
    return new Seen(tls, handshake, first, alpn);
  }

  @Test
  void handshakeReportsAlpnAndCarriesData() throws Exception {
    Seen seen = connect(relay.pin());
    assertThat(seen.handshake().get(10, TimeUnit.SECONDS).isSuccess()).isTrue();
    assertThat(seen.tls().applicationProtocol())
        .as("the relay picks h2 of the offered h2, http/1.1")
        .isEqualTo("h2");
    assertThat(seen.alpnSeenByThePipeline().get(10, TimeUnit.SECONDS))
        .as("ALPN's choice is known when the handshake event arrives")
        .isEqualTo("h2");
    assertThat(seen.firstBytes().get(10, TimeUnit.SECONDS))
        .as("the relay's first HTTP/2 frame is its SETTINGS (type 4)")
        .hasSizeGreaterThanOrEqualTo(9)
        .satisfies(b -> assertThat((int) b.charAt(3)).isEqualTo(4));
  }

  @Test
  void aWrongPinFailsTheHandshake() throws Exception {
    String otherPin = CertificateBuilder.subject("CN=someone else").selfSigned().pin();
    Seen seen = connect(otherPin);
    SslHandshakeCompletionEvent done = seen.handshake().get(10, TimeUnit.SECONDS);
    assertThat(done.isSuccess()).isFalse();
    assertThat(PinnedTrustManager.isMismatch(done.cause())).as("cause: %s", done.cause()).isTrue();
    assertThat(seen.tls().applicationProtocol()).isNull();
  }

  @Test
  void theRelaysCloseNotifyIsAnEventAndLeavesTheConnectionToItsTcpClose() throws Exception {
    CertifiedKey identity = CertificateBuilder.subject("CN=relay").selfSigned();
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(KeyStores.keyManagerFactory(identity).getKeyManagers(), null, null);
    try (SSLServerSocket server =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      Thread t =
          new Thread(
              () -> {
                try (SSLSocket s = (SSLSocket) server.accept()) {
                  s.getOutputStream().write("last words".getBytes(StandardCharsets.US_ASCII));
                  s.getOutputStream().flush();
                  s.shutdownOutput(); // close_notify
                  s.getInputStream().read(); // until the client closes
                } catch (IOException e) {
                  // the client went away
                }
              });
      t.setDaemon(true);
      t.start();
      StringBuilder got = new StringBuilder();
      CompletableFuture<String> atCloseNotify = new CompletableFuture<>();
      CompletableFuture<Void> inactive = new CompletableFuture<>();
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                      c.pipeline()
                          .addLast(
                              new ChromeTlsHandler(
                                  null, new PinnedTrustManager(identity.pin(), "test"), 5000))
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                  got.append(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                                  ((ByteBuf) msg).release();
                                }

                                @Override
                                public void userEventTriggered(
                                    ChannelHandlerContext ctx, Object evt) {
                                  if (evt instanceof SslCloseCompletionEvent e) {
                                    atCloseNotify.complete(
                                        e.isSuccess()
                                            + " active="
                                            + ctx.channel().isActive()
                                            + " read="
                                            + got);
                                  }
                                }

                                @Override
                                public void channelInactive(ChannelHandlerContext ctx) {
                                  inactive.complete(null);
                                }
                              });
                    }
                  })
              .connect(server.getLocalSocketAddress())
              .sync()
              .channel();
      assertThat(atCloseNotify.get(10, TimeUnit.SECONDS))
          .as("the event comes after the data, and the channel is still open")
          .isEqualTo("true active=true read=last words");
      ch.close();
      inactive.get(10, TimeUnit.SECONDS);
    }
  }
}
