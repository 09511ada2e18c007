package io.sidestep.client.relay;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.tls.TlsEngines;
import javax.net.ssl.SSLException;

/**
 * The one place that decides how the client trusts a relay: TLS 1.3 or 1.2; with a pin in the key,
 * exactly the pinned public key and nothing else; without one, the JVM trust store and a host-name
 * check. ALPN offers {@code h2} and {@code http/1.1}. Tunnels and DNS-over-HTTPS both use it.
 */
final class RelayTls {
  private RelayTls() {}

  static SslContext context(AccessKey key) {
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
      if (key.pin().isPresent()) {
        b.trustManager(
                new PinnedTrustManager(key.pin().get(), "'" + key.label() + "' at " + key.relay()))
            .endpointIdentificationAlgorithm(null);
      } else {
        b.endpointIdentificationAlgorithm("HTTPS");
      }
      return TlsEngines.build(b);
    } catch (SSLException e) {
      throw new IllegalStateException("TLS for relay " + key + ": " + e.getMessage(), e);
    }
  }
}
