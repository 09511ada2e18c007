package io.sidestep.client.probe;

import io.sidestep.core.route.Destination;
import java.util.Objects;

/**
 * One host to probe: always over TLS on port 443 (where SNI blocking shows), and over plain HTTP
 * when the list gave an {@code http://} URL for it.
 *
 * @param httpPort the plain-HTTP port, or 0 for none
 * @param httpPath the path to GET over plain HTTP, {@code /} by default
 * @param tlsPort the TLS port: 443 unless the list gave an {@code https://} URL with another
 */
public record ProbeTarget(String host, int tlsPort, int httpPort, String httpPath) {

  public ProbeTarget {
    host = Destination.normalise(host);
    Objects.requireNonNull(httpPath, "httpPath");
    if (tlsPort < 1 || tlsPort > 65535 || httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("ports: " + tlsPort + ", " + httpPort);
    }
  }

  public Destination tls() {
    return Destination.of(host, tlsPort);
  }

  public boolean hasHttp() {
    return httpPort > 0;
  }

  public Destination http() {
    return Destination.of(host, httpPort);
  }
}
