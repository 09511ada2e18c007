package io.sidestep.client.relay;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.CertifiedKey;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A relay that refuses a CONNECT with a HEADERS frame that ends the stream (no body), maybe
 * followed by RST_STREAM NO_ERROR as nginx resets a stream whose request has not ended: the
 * tunnel's attempt learns the refusal and its reason, and nothing waits on it. Sidestep's own relay
 * sends a body with its refusals and no such reset to a user, but a relay of another make, or one
 * in front of it, may.
 */
@Timeout(60)
class ResetAfterAnswerTest {

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

  @AfterEach
  void stop() {
    group.shutdownGracefully(0, 1, SECONDS).syncUninterruptibly();
  }

  /**
   * Answers every stream with {@code status} in a HEADERS frame that ends the stream (no body),
   * then, with {@code reset}, resets it with NO_ERROR.
   */
  private Channel relay(CertifiedKey cert, String status, boolean reset) throws Exception {
    SslContext tls =
        SslContextBuilder.forServer(
                cert.privateKey(), cert.chain().toArray(new java.security.cert.X509Certificate[0]))
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    ApplicationProtocolNames.HTTP_2))
            .build();
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(tls.newHandler(ch.alloc()))
                    .addLast(Http2FrameCodecBuilder.forServer().build())
                    .addLast(
                        new Http2MultiplexHandler(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                boolean request = msg instanceof Http2HeadersFrame;
                                ReferenceCountUtil.release(msg);
                                if (request) {
                                  ctx.write(
                                      new DefaultHttp2HeadersFrame(
                                          new DefaultHttp2Headers().status(status), true));
                                  ctx.writeAndFlush(
                                      new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
                                }
                              }

                              @Override
                              public boolean isSharable() {
                                return true;
                              }
                            }));
              }
            })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  @Test
  void aRefusalWithoutABodyIsRead() throws Exception {
    refusals(false);
  }

  @Test
  void aRefusalFollowedByAResetIsRead() throws Exception {
    refusals(true);
  }

  /** Each tunnel through such a relay fails at once, for the reason its answer gave. */
  private void refusals(boolean reset) throws Exception {
    CertifiedKey cert =
        CertifiedKey.selfSigned(
            "127.0.0.1",
            Instant.now().minus(Duration.ofHours(1)),
            Instant.now().plus(Duration.ofDays(1)));
    Channel relay = relay(cert, "502", reset);
    try {
      int port = ((InetSocketAddress) relay.localAddress()).getPort();
      AccessKey key =
          new AccessKey(
              "alice", "token", Destination.of("127.0.0.1", port), Optional.of(cert.pin()), "r");
      RelayTransport t = RelayLinkTest.transport(List.of(key), RelayTransport.Link.DEFAULT);
      for (int i = 0; i < 20; i++) {
        Future<Channel> tunnel = t.connect(group.next(), Destination.of("127.0.0.1", 9));
        assertThat(tunnel.await(10, SECONDS)).as("tunnel %d: answered, not left open", i).isTrue();
        assertThat(tunnel.isSuccess()).as("tunnel %d: refused", i).isFalse();
        assertThat(tunnel.cause())
            .as("tunnel %d: the relay's answer, not a relay that failed", i)
            .hasMessageContaining("could not reach 127.0.0.1:9 (502)");
      }
      assertThat(t.isDown(key)).as("a relay that answers is not down").isFalse();
    } finally {
      relay.close().sync();
    }
  }
}
