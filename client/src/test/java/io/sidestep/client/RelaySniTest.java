package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay client sends the key's host name as SNI, also one without a dot, and no SNI for an IP
 * literal, for tunnels and DNS look-ups alike. A TLS server of the JDK records what each
 * ClientHello asked for.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelaySniTest {

  /** A TLS server on 127.0.0.1 that records the SNI of each handshake ("" for none). */
  static final class SniRecorder implements AutoCloseable {
    final SSLServerSocket server;
    final CertifiedKey identity =
        CertificateBuilder.subject("CN=relay").dnsNames("localhost").selfSigned();
    final List<String> names = new CopyOnWriteArrayList<>();

    SniRecorder() throws Exception {
      KeyManagerFactory kmf = KeyStores.keyManagerFactory(identity);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      server =
          (SSLServerSocket)
              ctx.getServerSocketFactory()
                  .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
      Thread t =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try (SSLSocket s = (SSLSocket) server.accept()) {
                    boolean[] sawName = {false};
                    SSLParameters p = s.getSSLParameters();
                    p.setSNIMatchers(
                        List.of(
                            new SNIMatcher(0) {
                              @Override
                              public boolean matches(SNIServerName name) {
                                sawName[0] = true;
                                names.add(((SNIHostName) name).getAsciiName());
                                return true;
                              }
                            }));
                    s.setSSLParameters(p);
                    s.setSoTimeout(5000);
                    s.startHandshake();
                    if (!sawName[0]) {
                      names.add("");
                    }
                  } catch (IOException e) {
                    if (!server.isClosed()) {
                      names.add("error: " + e);
                    }
                  }
                }
              });
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return server.getLocalPort();
    }

    /** The names recorded, once the first handshake is (the client may be done before this). */
    List<String> awaitNames() throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (names.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      return names;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  private static void handshakeWith(AccessKey key) throws Exception {
    handshakeWith(key, false);
  }

  private static void handshakeWith(AccessKey key, boolean dns) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      RelayTransport t =
          new RelayTransport(
              List.of(key),
              java.time.Duration.ofSeconds(5),
              java.time.Duration.ofSeconds(30),
              new FakeResolver().answer("localhost", "127.0.0.1"));
      // The recorder closes after the handshake, so the tunnel itself fails: only SNI matters here.
      if (dns) {
        t.lookup(group.next(), "example.org").get(10, TimeUnit.SECONDS);
      } else {
        t.connect(group.next(), Destination.of("example.org", 443)).await(10, TimeUnit.SECONDS);
      }
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  @Test
  void sendsTheKeysHostNameAsSni() throws Exception {
    try (SniRecorder relay = new SniRecorder()) {
      handshakeWith(
          new AccessKey(
              "u",
              "t",
              Destination.of("localhost", relay.port()),
              Optional.of(relay.identity.pin()),
              "n"));
      assertThat(relay.awaitNames()).containsExactly("localhost");
    }
  }

  @Test
  void sendsNoSniForAnIpLiteral() throws Exception {
    try (SniRecorder relay = new SniRecorder()) {
      handshakeWith(
          new AccessKey(
              "u",
              "t",
              Destination.of("127.0.0.1", relay.port()),
              Optional.of(relay.identity.pin()),
              "n"));
      assertThat(relay.awaitNames()).containsExactly("");
    }
  }

  /** The relay's DNS-over-HTTPS goes the same way: a name without a dot is still sent. */
  @Test
  void lookUpsSendTheDotlessNameAsSniToo() throws Exception {
    try (SniRecorder relay = new SniRecorder()) {
      handshakeWith(
          new AccessKey(
              "u",
              "t",
              Destination.of("localhost", relay.port()),
              Optional.of(relay.identity.pin()),
              "n"),
          true);
      assertThat(relay.awaitNames()).containsExactly("localhost");
    }
  }

  @Test
  void lookUpsSendNoSniForAnIpLiteral() throws Exception {
    try (SniRecorder relay = new SniRecorder()) {
      handshakeWith(
          new AccessKey(
              "u",
              "t",
              Destination.of("127.0.0.1", relay.port()),
              Optional.of(relay.identity.pin()),
              "n"),
          true);
      assertThat(relay.awaitNames()).containsExactly("");
    }
  }
}
