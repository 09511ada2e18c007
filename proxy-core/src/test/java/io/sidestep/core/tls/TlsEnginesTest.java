package io.sidestep.core.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Both TLS engines, with the settings the relay link uses, over real loopback connections: TLS 1.3
 * by default, TLS 1.2 still accepted, and host name verification against a trusted CA refusing a
 * certificate for another name, so that switching engines changes speed and nothing else.
 */
@Timeout(30)
class TlsEnginesTest {

  /** Closes on the expected handshake failures instead of logging them as unhandled. */
  private static final ChannelHandler QUIET =
      new ChannelInboundHandlerAdapter() {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
          ctx.close();
        }

        @Override
        public boolean isSharable() {
          return true;
        }
      };

  private static EventLoopGroup group;
  private static CertifiedKey ca;
  private static CertifiedKey relayCert;

  @BeforeAll
  static void setUp() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ca = CertificateBuilder.subject("CN=Test Root").ca().selfSigned();
    relayCert = CertificateBuilder.subject("CN=relay.test").dnsNames("relay.test").signedBy(ca);
  }

  @AfterAll
  static void tearDown() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @Test
  void openSslLoadsOnLinuxX86() {
    boolean linuxX86 =
        System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));
    org.junit.jupiter.api.Assumptions.assumeTrue(linuxX86, "the bundled build for this platform");
    assertThat(OpenSsl.isAvailable())
        .as("the bundled BoringSSL loads: %s", OpenSsl.unavailabilityCause())
        .isTrue();
    assertThat(TlsEngines.preferred()).isEqualTo(SslProvider.OPENSSL);
    assertThat(TlsEngines.describe()).startsWith("OpenSSL");
  }

  @Test
  void propertyForcesTheJdkAndRejectsOtherValues() {
    String before = System.getProperty(TlsEngines.PROPERTY);
    try {
      System.setProperty(TlsEngines.PROPERTY, "jdk");
      assertThat(TlsEngines.preferred()).isEqualTo(SslProvider.JDK);
      assertThat(TlsEngines.describe()).isEqualTo("JDK (sidestep.tls.engine=jdk)");
      System.setProperty(TlsEngines.PROPERTY, "gnutls");
      assertThatThrownBy(TlsEngines::preferred)
          .hasMessage("sidestep.tls.engine: 'gnutls' (expected: openssl, jdk or chrome)");
    } finally {
      if (before == null) {
        System.clearProperty(TlsEngines.PROPERTY);
      } else {
        System.setProperty(TlsEngines.PROPERTY, before);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = SslProvider.class,
      names = {"JDK", "OPENSSL"})
  void negotiatesTls13AndStillAcceptsTls12(SslProvider client) throws Exception {
    assumeUsable(client);
    Channel server = server();
    try {
      Handshake tls13 =
          handshake(server, clientContext(client, "TLSv1.3", "TLSv1.2"), "relay.test");
      assertThat(tls13.protocol()).as("handshake: %s", tls13.failure()).isEqualTo("TLSv1.3");

      Handshake tls12 = handshake(server, clientContext(client, "TLSv1.2"), "relay.test");
      assertThat(tls12.protocol())
          .as("a TLS 1.2 client is still served: %s", tls12.failure())
          .isEqualTo("TLSv1.2");
    } finally {
      server.close().syncUninterruptibly();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = SslProvider.class,
      names = {"JDK", "OPENSSL"})
  void refusesACertificateForAnotherName(SslProvider client) throws Exception {
    assumeUsable(client);
    Channel server = server();
    try {
      Handshake wrong = handshake(server, clientContext(client, "TLSv1.3"), "other.test");
      assertThat(wrong.protocol())
          .as("a certificate for relay.test must not pass for other.test")
          .isNull();
      assertThat(wrong.failure()).isInstanceOf(SSLHandshakeException.class);
    } finally {
      server.close().syncUninterruptibly();
    }
  }

  private static void assumeUsable(SslProvider provider) {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        provider == SslProvider.JDK || TlsEngines.preferred() == SslProvider.OPENSSL,
        "OpenSSL is not available here");
  }

  /** A relay-like server: the preferred engine, TLS 1.3 and 1.2, the test CA's leaf. */
  private static Channel server() throws Exception {
    SslContext ssl =
        TlsEngines.build(
            SslContextBuilder.forServer(relayCert.privateKey(), relayCert.chain())
                .protocols("TLSv1.3", "TLSv1.2"));
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel ch) {
                ch.pipeline().addLast(ssl.newHandler(ch.alloc()), QUIET);
              }
            })
        .bind(new InetSocketAddress("127.0.0.1", 0))
        .sync()
        .channel();
  }

  /** Like the relay transport for a key without a pin: a trust store and host name checks. */
  private static SslContext clientContext(SslProvider provider, String... protocols)
      throws Exception {
    KeyStore anchors = KeyStore.getInstance("PKCS12");
    anchors.load(null, null);
    anchors.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(anchors);
    return SslContextBuilder.forClient()
        .sslProvider(provider)
        .protocols(protocols)
        .trustManager(tmf)
        .endpointIdentificationAlgorithm("HTTPS")
        .build();
  }

  /** How a handshake ended: the protocol on success, else the failure. */
  private record Handshake(String protocol, Throwable failure) {}

  /**
   * Connects and waits (at most 10 s) for the handshake to end either way; then closes. The handler
   * is returned because a failed connection's pipeline is emptied once it closes.
   */
  private static Handshake handshake(Channel server, SslContext client, String host)
      throws Exception {
    InetSocketAddress to = (InetSocketAddress) server.localAddress();
    SslHandler tls = client.newHandler(ByteBufAllocator.DEFAULT, host, to.getPort());
    Channel ch =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(tls, QUIET);
                  }
                })
            .connect(to)
            .sync()
            .channel();
    Future<Channel> done = tls.handshakeFuture();
    assertThat(done.await(10, TimeUnit.SECONDS)).as("the handshake ends").isTrue();
    Handshake result =
        done.isSuccess()
            ? new Handshake(tls.engine().getSession().getProtocol(), null)
            : new Handshake(null, done.cause());
    ch.close().syncUninterruptibly();
    return result;
  }
}
