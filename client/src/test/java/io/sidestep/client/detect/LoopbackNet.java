package io.sidestep.client.detect;

import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.relay.AccessKey;
import java.nio.file.Path;
import javax.net.ssl.X509TrustManager;

/** {@link CensoredLoopback} for tests in other packages. */
public final class LoopbackNet implements AutoCloseable {
  private final CensoredLoopback net;

  private LoopbackNet(CensoredLoopback net) {
    this.net = net;
  }

  public static LoopbackNet start(Path tmp) throws Exception {
    return new LoopbackNet(new CensoredLoopback(tmp));
  }

  public int httpsPort() {
    return net.https.port();
  }

  public int httpPort() {
    return net.http.port();
  }

  public int closedPort() {
    return net.closedPort;
  }

  public int brokenPort() {
    return net.broken.port();
  }

  public int resolverPort() {
    return net.dns.port();
  }

  public AccessKey key() {
    return net.key;
  }

  public DnsServerResolver resolver() {
    return net.resolver();
  }

  public DetectionSettings settings() {
    return CensoredLoopback.settings();
  }

  public X509TrustManager trust() throws Exception {
    return net.trust();
  }

  @Override
  public void close() {
    net.close();
  }
}
