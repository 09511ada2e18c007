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

/**
 * The one place that decides how the client speaks TLS to a relay and trusts it: TLS 1.3 or 1.2;
 * with a pin in the key, exactly the pinned public key and nothing else; without one, the JVM trust
 * store and a host-name check. SNI carries the key's host name, also one without a dot, and nothing
 * for an IP literal. ALPN offers {@code h2} and {@code http/1.1}. Tunnels and DNS-over-HTTPS both
 * use it.
 *
 * <p>With {@code sidestep.tls.engine=chrome} a pinned relay is reached with a Chrome-shaped hello
 * ({@link ChromeTlsHandler}, Bouncy Castle); otherwise, and for a key without a pin, with Netty's
 * {@code SslHandler} on the engine {@link TlsEngines} picks.
 */
final class RelayTls {

  private final AccessKey key;
  private final SslContext context;
  private final PinnedTrustManager pinned;

  private RelayTls(AccessKey key, SslContext context, PinnedTrustManager pinned) {
    this.key = key;
    this.context = context;
    this.pinned = pinned;
  }

  static RelayTls of(AccessKey key) {
    PinnedTrustManager pinned =
        key.pin()
            .map(p -> new PinnedTrustManager(p, "'" + key.label() + "' at " + key.relay()))
            .orElse(null);
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
                      ApplicationProtocolNames.HTTP_1_1));
      if (pinned != null) {
        b.trustManager(pinned).endpointIdentificationAlgorithm(null);
      } else {
        b.endpointIdentificationAlgorithm("HTTPS");
      }
      return new RelayTls(key, TlsEngines.build(b), pinned);
    } catch (SSLException e) {
      throw new IllegalStateException("TLS for relay " + key + ": " + e.getMessage(), e);
    }
  }

  /**
   * A new TLS handler for a connection to the relay, done with its handshake within {@code
   * timeout}. It fires an {@code SslHandshakeCompletionEvent} either way.
   */
  ChannelHandler newHandler(Channel ch, Duration timeout) {
    Destination relay = key.relay();
    if (pinned != null && TlsEngines.chromeHello()) {
      List<SNIServerName> sni = sniFor(relay);
      return new ChromeTlsHandler(sni.isEmpty() ? null : relay.host(), pinned, timeout.toMillis());
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
