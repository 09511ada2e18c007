package io.sidestep.client.detect;

import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.CensorBox;
import io.sidestep.core.testing.ClosedPort;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.server.Relay;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A censored network on loopback. The lying resolver sends the direct path to censor boxes on
 * 127.0.0.2 (same ports as the origins), which reset, close, go silent or inject a block page for
 * listed hosts and forward the rest; mitm.example goes to 127.0.0.3, which forwards to an origin
 * whose certificate comes from an interception CA; lied.example gets NXDOMAIN. The relay resolves
 * every name to the real origins on 127.0.0.1, as it would from abroad.
 */
final class CensoredLoopback implements AutoCloseable {

  static final String CENSOR = "127.0.0.2";
  static final String INTERCEPTOR = "127.0.0.3";
  static final List<String> NAMES =
      List.of(
          "open.example",
          "reset.example",
          "eof.example",
          "silent.example",
          "lied.example",
          "down.example",
          "plain-reset.example",
          "post.example",
          "blockpage.example",
          "mitm.example",
          "broken.example",
          "recheck.example",
          "still-blocked.example",
          "slow.example",
          "installed.example",
          "throttle.example",
          "plain-silent.example");

  static final String INSTALLED_INTERCEPTOR = "127.0.0.4";

  final CertifiedKey ca;
  final CertifiedKey installedCa;
  final TestOrigin installedForged;
  final CensorBox installedInterceptor;
  final TestOrigin https;
  final TestOrigin http;
  final TestOrigin forged;
  final TestOrigin broken;
  final CensorBox censorTls;
  final CensorBox censorHttp;
  final CensorBox interceptor;
  final FakeDnsServer dns;
  final Relay relay;
  final AccessKey key;
  final ClosedPort closed;
  final int closedPort;

  CensoredLoopback(Path tmp) throws Exception {
    ca = CertificateBuilder.subject("CN=Detection Test CA").ca().selfSigned();
    https =
        TestOrigin.https(
            CertificateBuilder.subject("CN=origin")
                .dnsNames(NAMES.toArray(new String[0]))
                .signedBy(ca));
    // A root the user was told to install, unknown to every list: its copy of the origin's leaf
    // has the same subject and names and another key.
    installedCa = CertificateBuilder.subject("CN=Friendly Security Root").ca().selfSigned();
    installedForged =
        TestOrigin.https(
            CertificateBuilder.subject("CN=origin")
                .dnsNames(NAMES.toArray(new String[0]))
                .signedBy(installedCa));
    http = TestOrigin.http();
    CertifiedKey qaznet =
        CertificateBuilder.subject("C=KZ, CN=Qaznet Trust Network").ca().selfSigned();
    forged =
        TestOrigin.https(
            CertificateBuilder.subject("CN=mitm.example")
                .dnsNames("mitm.example")
                .signedBy(qaznet));
    broken =
        TestOrigin.https(
            CertificateBuilder.subject("CN=broken.example")
                .dnsNames("broken.example")
                .selfSigned());
    censorTls =
        CensorBox.start(new InetSocketAddress(CENSOR, https.port()), https.address())
            .block("reset.example", CensorBox.Action.RESET)
            .block("eof.example", CensorBox.Action.EOF)
            .block("silent.example", CensorBox.Action.SILENCE)
            .block("still-blocked.example", CensorBox.Action.RESET)
            .block("slow.example", CensorBox.Action.SLOW);
    censorHttp =
        CensorBox.start(new InetSocketAddress(CENSOR, http.port()), http.address())
            .block("plain-reset.example", CensorBox.Action.RESET)
            .block("post.example", CensorBox.Action.RESET)
            .block("plain-silent.example", CensorBox.Action.SILENCE)
            .block("blockpage.example", CensorBox.Action.BLOCK_PAGE)
            .block("throttle.example", CensorBox.Action.THROTTLE);
    interceptor =
        CensorBox.start(new InetSocketAddress(INTERCEPTOR, https.port()), forged.address());
    installedInterceptor =
        CensorBox.start(
            new InetSocketAddress(INSTALLED_INTERCEPTOR, https.port()), installedForged.address());
    closed = ClosedPort.open();
    closedPort = closed.port();
    dns = FakeDnsServer.start();
    for (String name : NAMES) {
      dns.answer(name, CENSOR);
    }
    dns.nxdomain("lied.example");
    dns.answer("mitm.example", INTERCEPTOR);
    dns.answer("broken.example", "127.0.0.1");
    dns.answer("installed.example", INSTALLED_INTERCEPTOR);
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(tmp.resolve("relay"))
            .allowDestination(Cidr.parse("127.0.0.1/32"))
            .resolver(
                host ->
                    CompletableFuture.completedFuture(
                        List.of(io.sidestep.core.net.IpLiterals.parse("127.0.0.1"))))
            .start();
    key = relay.addUser("alice");
  }

  DnsServerResolver resolver() {
    return new DnsServerResolver(new InetSocketAddress("127.0.0.1", dns.port()));
  }

  /** Settings for loopback: only 10/8 plays a bogon, and 1.5 s of silence counts. */
  static DetectionSettings settings() {
    return DetectionSettings.defaults()
        .withFirstReadTimeout(Duration.ofMillis(1500))
        .withBogons(List.of(Cidr.parse("10.0.0.0/8")));
  }

  X509TrustManager trust() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca.certificate());
    ks.setCertificateEntry("installed", installedCa.certificate());
    TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
    f.init(ks);
    return (X509TrustManager) f.getTrustManagers()[0];
  }

  @Override
  public void close() {
    for (AutoCloseable c :
        new AutoCloseable[] {
          relay,
          closed,
          dns,
          censorTls,
          censorHttp,
          interceptor,
          installedInterceptor,
          https,
          http,
          forged,
          broken,
          installedForged
        }) {
      try {
        c.close();
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }
}
