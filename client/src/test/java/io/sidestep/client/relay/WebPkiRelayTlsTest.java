package io.sidestep.client.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A relay key without a pin, with either hello: the relay's chain must validate against the trust
 * anchors (here a test CA) and its leaf must name the key's host in subjectAltName, a DNS name
 * (wildcards included) or an IP address; a name only in the common name, another name, or another
 * CA fails the handshake.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebPkiRelayTlsTest {

  static final CertifiedKey CA =
      CertificateBuilder.subject("CN=Sidestep Test Root").ca().selfSigned();
  static final X509TrustManager ANCHORS = KeyStores.trustManager(List.of(CA.certificate()));
  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
  }

  /** A JDK TLS server on 127.0.0.1 with {@code identity}, answering one handshake. */
  private static SSLServerSocket serve(CertifiedKey identity) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(KeyStores.keyManagerFactory(identity).getKeyManagers(), null, null);
    SSLServerSocket server =
        (SSLServerSocket)
            ctx.getServerSocketFactory()
                .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
    Thread t =
        new Thread(
            () -> {
              try (SSLSocket s = (SSLSocket) server.accept()) {
                s.setSoTimeout(10_000);
                s.startHandshake();
                s.getInputStream().read(); // until the client closes
              } catch (IOException e) {
                // a refused handshake ends here
              }
            });
    t.setDaemon(true);
    t.start();
    return server;
  }

  /**
   * The handshake event of {@code hello} to a server with {@code identity}, reached as {@code
   * host}.
   */
  private static SslHandshakeCompletionEvent handshake(
      TlsHello hello, CertifiedKey identity, String host, X509TrustManager anchors)
      throws Exception {
    try (SSLServerSocket server = serve(identity)) {
      AccessKey key =
          new AccessKey(
              "alice", "token", Destination.of(host, server.getLocalPort()), Optional.empty(), "t");
      RelayTls tls = RelayTls.of(key, hello, anchors);
      assertThat(tls.hello()).isEqualTo(hello);
      CompletableFuture<SslHandshakeCompletionEvent> done = new CompletableFuture<>();
      Channel ch =
          new Bootstrap()
              .group(group)
              .channel(NioSocketChannel.class)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                      c.pipeline()
                          .addLast(tls.newHandler(c, Duration.ofSeconds(10)))
                          .addLast(
                              new ChannelInboundHandlerAdapter() {
                                @Override
                                public void userEventTriggered(
                                    ChannelHandlerContext ctx, Object evt) {
                                  if (evt instanceof SslHandshakeCompletionEvent e) {
                                    done.complete(e);
                                  }
                                }
                              });
                    }
                  })
              .connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()))
              .sync()
              .channel();
      try {
        return done.get(20, TimeUnit.SECONDS);
      } finally {
        ch.close().sync();
      }
    }
  }

  private static String causes(Throwable t) {
    StringBuilder b = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      b.append(c).append(" / ");
    }
    return b.toString();
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void aLeafOfTheCaNamingTheHostIsTrusted(TlsHello hello) throws Exception {
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=unrelated").dnsNames("localhost").signedBy(CA);
    SslHandshakeCompletionEvent e = handshake(hello, leaf, "localhost", ANCHORS);
    assertThat(e.isSuccess()).as("cause: %s", e.cause()).isTrue();
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void aWildcardCoversTheLeftMostLabel(TlsHello hello) throws Exception {
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=unrelated").dnsNames("*.example.test").signedBy(CA);
    SslHandshakeCompletionEvent ok = handshake(hello, leaf, "relay.example.test", ANCHORS);
    assertThat(ok.isSuccess()).as("cause: %s", ok.cause()).isTrue();
    SslHandshakeCompletionEvent tooDeep = handshake(hello, leaf, "a.relay.example.test", ANCHORS);
    assertThat(tooDeep.isSuccess()).isFalse();
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void anIpLiteralNeedsAnIpAddressEntry(TlsHello hello) throws Exception {
    CertifiedKey byIp =
        CertificateBuilder.subject("CN=127.0.0.1").ipAddresses("127.0.0.1").signedBy(CA);
    SslHandshakeCompletionEvent ok = handshake(hello, byIp, "127.0.0.1", ANCHORS);
    assertThat(ok.isSuccess()).as("cause: %s", ok.cause()).isTrue();
    CertifiedKey byName =
        CertificateBuilder.subject("CN=127.0.0.1").dnsNames("127.0.0.1").signedBy(CA);
    assertThat(handshake(hello, byName, "127.0.0.1", ANCHORS).isSuccess())
        .as("a dNSName that spells the address does not count")
        .isFalse();
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void theCommonNameAloneIsNotEnough(TlsHello hello) throws Exception {
    CertifiedKey leaf = CertificateBuilder.subject("CN=localhost").signedBy(CA);
    SslHandshakeCompletionEvent e = handshake(hello, leaf, "localhost", ANCHORS);
    assertThat(e.isSuccess()).isFalse();
    assertThat(causes(e.cause())).contains("certificate does not name localhost");
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void anotherNameIsRefused(TlsHello hello) throws Exception {
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=localhost").dnsNames("relay.example").signedBy(CA);
    SslHandshakeCompletionEvent e = handshake(hello, leaf, "localhost", ANCHORS);
    assertThat(e.isSuccess()).isFalse();
    assertThat(causes(e.cause()))
        .contains("certificate does not name localhost (its subjectAltName: relay.example)");
    AccessKey key =
        new AccessKey("alice", "token", Destination.of("localhost", 443), Optional.empty(), "t");
    assertThat(LinkHandshake.tlsFailure(key, e.cause()).getMessage())
        .as("what the user is told")
        .isEqualTo(
            "relay 't' at localhost:443: certificate refused: certificate does not name localhost"
                + " (its subjectAltName: relay.example)");
  }

  @ParameterizedTest
  @EnumSource(TlsHello.class)
  void aLeafOfAnUnknownCaIsRefused(TlsHello hello) throws Exception {
    CertifiedKey other = CertificateBuilder.subject("CN=Other Root").ca().selfSigned();
    CertifiedKey leaf =
        CertificateBuilder.subject("CN=localhost").dnsNames("localhost").signedBy(other);
    assertThat(handshake(hello, leaf, "localhost", ANCHORS).isSuccess()).isFalse();
    assertThat(handshake(hello, leaf, "localhost", null).isSuccess())
        .as("nor does the JVM's trust store know it")
        .isFalse();
  }
}
