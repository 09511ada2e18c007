package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.sidestep.core.net.Failure;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each kind, from a real failure on 127.0.0.1 where one can be made, else from its type. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FailuresTest {

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Connects to {@code port}, reads, and completes with what failed the channel. */
  private static Throwable failureOf(int port, boolean tls) throws Exception {
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    ChannelFuture f =
        TunnelOptions.outbound(group.next(), Duration.ofSeconds(5))
            .option(io.netty.channel.ChannelOption.AUTO_READ, true)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) throws Exception {
                    if (tls) {
                      ch.pipeline()
                          .addLast(
                              SslContextBuilder.forClient()
                                  .trustManager(InsecureTrustManagerFactory.INSTANCE)
                                  .build()
                                  .newHandler(ch.alloc()));
                    }
                    ch.pipeline()
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void exceptionCaught(ChannelHandlerContext ctx, Throwable c) {
                                failed.complete(c);
                              }

                              @Override
                              public void channelInactive(ChannelHandlerContext ctx) {
                                failed.complete(new ClosedChannelException());
                              }
                            });
                  }
                })
            .connect(new InetSocketAddress(LOOPBACK, port));
    f.addListener(
        x -> {
          if (!f.isSuccess()) {
            failed.complete(f.cause());
          }
        });
    return failed.get(20, TimeUnit.SECONDS);
  }

  @Test
  void aClosedPortRefuses() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      port = s.getLocalPort();
    }
    assertThat(Failures.kindOf(failureOf(port, false))).isEqualTo(Failure.CONNECT_REFUSED);
  }

  @Test
  void aServerThatResetsResets() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = s.accept()) {
                  c.setSoLinger(true, 0); // close with RST
                } catch (java.io.IOException e) {
                  // the test fails on the client side
                }
              });
      t.start();
      assertThat(Failures.kindOf(failureOf(s.getLocalPort(), false))).isEqualTo(Failure.RESET);
      t.join();
    }
  }

  @Test
  void aServerThatClosesIsEof() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = s.accept()) {
                  c.shutdownOutput();
                } catch (java.io.IOException e) {
                  // the test fails on the client side
                }
              });
      t.start();
      assertThat(Failures.kindOf(failureOf(s.getLocalPort(), false))).isEqualTo(Failure.EOF);
      t.join();
    }
  }

  @Test
  void aServerThatIsNotTlsFailsTheHandshake() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, LOOPBACK)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket c = s.accept();
                    OutputStream out = c.getOutputStream()) {
                  out.write(
                      "HTTP/1.1 400 Bad Request\r\n\r\nnot TLS"
                          .getBytes(StandardCharsets.US_ASCII));
                  c.getInputStream().read();
                } catch (java.io.IOException e) {
                  // the test fails on the client side
                }
              });
      t.start();
      assertThat(Failures.kindOf(failureOf(s.getLocalPort(), true)))
          .isEqualTo(Failure.TLS_HANDSHAKE);
      t.join();
    }
  }

  @Test
  void aPortInUseCannotBeBound() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, LOOPBACK)) {
      ChannelFuture bound =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(new ChannelInboundHandlerAdapter())
              .bind(LOOPBACK, taken.getLocalPort())
              .awaitUninterruptibly();
      assertThat(bound.isSuccess()).isFalse();
      assertThat(Failures.kindOf(bound.cause())).isEqualTo(Failure.ADDRESS_IN_USE);
    }
  }

  @Test
  void typesWithoutASocketToMakeThem() {
    assertThat(Failures.kindOf(new ConnectTimeoutException("t")))
        .isEqualTo(Failure.CONNECT_TIMED_OUT);
    assertThat(Failures.kindOf(new java.net.NoRouteToHostException("n")))
        .isEqualTo(Failure.UNREACHABLE);
    assertThat(Failures.kindOf(new CompletionException(new UnknownHostException("x"))))
        .isEqualTo(Failure.NAME_NOT_FOUND);
    assertThat(Failures.kindOf(new DecoderException(new java.io.IOException("x"))))
        .isEqualTo(Failure.RESET);
    assertThat(Failures.kindOf(new IllegalStateException("x"))).isEqualTo(Failure.OTHER);
  }

  @Test
  void anExceptionMadeWithAKindKeepsIt() {
    class Refused extends java.io.IOException implements Failure.Kinded {
      @Override
      public Failure failure() {
        return Failure.RELAY_REFUSED;
      }
    }
    assertThat(Failures.kindOf(new RuntimeException(new Refused())))
        .isEqualTo(Failure.RELAY_REFUSED);
  }
}
