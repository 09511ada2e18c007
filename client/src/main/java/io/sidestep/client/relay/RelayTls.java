package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.TlsEngines;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The one place that decides how the client speaks TLS to a relay and trusts it: TLS 1.3 or 1.2;
 * with a pin in the key, exactly the pinned public key and nothing else ({@link
 * PinnedTrustManager}); without one, a chain the trust anchors (the JVM trust store) validate whose
 * leaf names the key's host ({@link WebPkiTrustManager}). SNI carries the key's host name, also one
 * without a dot, and nothing for an IP literal. ALPN offers {@code h2} and {@code http/1.1}.
 * Tunnels and DNS-over-HTTPS both use it.
 *
 * <p>The hello is {@link TlsHello}'s choice: Chrome's ({@link ChromeTlsHandler}, Bouncy Castle) or
 * the fast one (Netty's {@code SslHandler} on the engine {@link TlsEngines} picks). Both call the
 * same trust manager.
 */
final class RelayTls {

  private final AccessKey key;
  private final TlsHello hello;
  private final SslContext context;
  private final X509ExtendedTrustManager trust;

  private RelayTls(
      AccessKey key, TlsHello hello, SslContext context, X509ExtendedTrustManager trust) {
    this.key = key;
    this.hello = hello;
    this.context = context;
    this.trust = trust;
  }

  /**
   * TLS to {@code key}'s relay with the hello the system property asks for (see {@link TlsHello}).
   */
  static RelayTls of(AccessKey key) {
    return of(key, TlsHello.fromSystemProperty());
  }

  static RelayTls of(AccessKey key, TlsHello hello) {
    return of(key, hello, null);
  }

  /**
   * @param anchors the trust anchors for a key without a pin, or null for the JVM trust store
   */
  static RelayTls of(AccessKey key, TlsHello hello, X509TrustManager anchors) {
    X509ExtendedTrustManager trust =
        key.pin().isPresent()
            ? new PinnedTrustManager(key.pin().get(), "'" + key.label() + "' at " + key.relay())
            : new WebPkiTrustManager(
                anchors != null ? anchors : WebPkiTrustManager.jvmDefault(), key.relay().host());
    if (hello == TlsHello.CHROME) {
      return new RelayTls(key, hello, null, trust);
    }
    try {
      SslContextBuilder b =
          SslContextBuilder.forClient()
              .protocols("TLSv1.3", "TLSv1.2")
              // as a browser offers them; the relay link itself speaks h2 only
              .applicationProtocolConfig(
                  new ApplicationProtocolConfig(
                      ApplicationProtocolConfig.Protocol.ALPN,
                      ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                      ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                      ApplicationProtocolNames.HTTP_2,
                      ApplicationProtocolNames.HTTP_1_1))
              .trustManager(trust)
              .endpointIdentificationAlgorithm(null); // the trust manager checks the name
      return new RelayTls(key, hello, TlsEngines.build(b), trust);
    } catch (SSLException e) {
      throw new IllegalStateException("TLS for relay " + key + ": " + e.getMessage(), e);
    }
  }

  /** The hello this relay gets. */
  TlsHello hello() {
    return hello;
  }

  /**
   * A new TLS handler for a connection to the relay, done with its handshake within {@code
   * timeout}. It fires an {@code SslHandshakeCompletionEvent} either way.
   */
  ChannelHandler newHandler(Channel ch, Duration timeout) {
    Destination relay = key.relay();
    if (hello == TlsHello.CHROME) {
      List<SNIServerName> sni = sniFor(relay);
      return new ChromeTlsHandler(sni.isEmpty() ? null : relay.host(), trust, timeout.toMillis());
    }
    SslHandler tls = context.newHandler(ch.alloc(), relay.host(), relay.port());
    SSLEngine engine = tls.engine();
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(sniFor(relay));
    engine.setSSLParameters(p);
    tls.setHandshakeTimeoutMillis(timeout.toMillis());
    return tls;
  }

  /**
   * The protocol ALPN chose on a relay connection whose handshake is done ({@code h2}, {@code
   * http/1.1}), whichever handler {@link #newHandler} made; null if none was chosen.
   */
  static String applicationProtocol(ChannelPipeline pipeline) {
    ChromeTlsHandler chrome = pipeline.get(ChromeTlsHandler.class);
    if (chrome != null) {
      return chrome.applicationProtocol();
    }
    SslHandler ssl = pipeline.get(SslHandler.class);
    return ssl == null ? null : ssl.applicationProtocol();
  }

  /**
   * SNI carries host names only (RFC 6066): the key's name, set explicitly because the JDK leaves
   * out names without a dot; none for an IP literal or a name SNI cannot carry.
   */
  static List<SNIServerName> sniFor(Destination relay) {
    if (relay.isIpLiteral()) {
      return List.of();
    }
    try {
      return List.of(new SNIHostName(relay.host()));
    } catch (IllegalArgumentException e) {
      return List.of(); // an underscore, say: none rather than a failure
    }
  }
}
