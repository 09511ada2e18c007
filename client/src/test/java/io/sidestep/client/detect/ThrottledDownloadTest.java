package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.Client;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.LogCapture;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.server.Relay;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throttling over HTTPS, seen on the user's own download whatever its URL: the origin's large file
 * comes through an ISP throttle (64 kB/s) on 127.0.0.2, while another site comes fast and the relay
 * serves its speed sample fast. The real client notices the slow transfer while it runs, learns the
 * host with the three rates, and sends the next connection through the relay.
 */
@Timeout(120)
class ThrottledDownloadTest {

  static final String THROTTLED = "throttled.example";
  static final String OPEN = "open.example";
  static final String THROTTLE_ADDRESS = "127.0.0.2";

  @TempDir static Path tmp;
  static CertifiedKey ca;
  static TestOrigin origin;
  static ThrottlingProxy isp;
  static FakeDnsServer dns;
  static Relay relay;
  static Client client;
  static Path state;
  static LogCapture connections;

  @BeforeAll
  static void start() throws Exception {
    ca = CertificateBuilder.subject("CN=Throttle Test CA").ca().selfSigned();
    origin =
        TestOrigin.https(
            CertificateBuilder.subject("CN=origin").dnsNames(THROTTLED, OPEN).signedBy(ca));
    isp =
        new ThrottlingProxy(
            new InetSocketAddress(THROTTLE_ADDRESS, origin.port()), origin.address(), 64_000);
    dns = FakeDnsServer.start();
    dns.answer(THROTTLED, THROTTLE_ADDRESS);
    dns.answer(OPEN, "127.0.0.1");
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
    AccessKey key = relay.addUser("alice");
    state = tmp.resolve("state");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            .resolver(new DnsServerResolver(new InetSocketAddress("127.0.0.1", dns.port())))
            .stateDir(state)
            .detection(DetectionSettings.defaults())
            .detectionTrust(trust())
            .start();
    connections = LogCapture.of("io.sidestep.client.connection");
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, relay, dns, isp, origin, connections}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  static X509TrustManager trust() throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
    f.init(ks);
    return (X509TrustManager) f.getTrustManagers()[0];
  }

  static SSLContext userTls() throws Exception {
    SSLContext c = SSLContext.getInstance("TLS");
    c.init(null, new javax.net.ssl.TrustManager[] {trust()}, null);
    return c;
  }

  /** A user's download over the HTTP door (CONNECT, then TLS): counts what came. */
  static final class Download implements AutoCloseable {
    final Socket socket;
    final AtomicLong body = new AtomicLong();
    final CompletableFuture<Long> done = new CompletableFuture<>();

    Download(String host, String path) throws Exception {
      socket = new Socket();
      socket.connect(client.httpAddress(), 5000);
      String authority = host + ":" + origin.port();
      OutputStream out = socket.getOutputStream();
      out.write(
          ("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String status = head(socket.getInputStream());
      assertThat(status).startsWith("HTTP/1.1 200");
      SSLSocket tls =
          (SSLSocket) userTls().getSocketFactory().createSocket(socket, host, origin.port(), true);
      tls.startHandshake();
      tls.getOutputStream()
          .write(
              ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      tls.getOutputStream().flush();
      Thread reader =
          new Thread(
              () -> {
                try (InputStream in = tls.getInputStream()) {
                  head(in);
                  byte[] buf = new byte[65536];
                  for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    body.addAndGet(n);
                  }
                  done.complete(body.get());
                } catch (IOException e) {
                  done.completeExceptionally(e);
                }
              });
      reader.setDaemon(true);
      reader.start();
    }

    /** Reads a response head, returning its status line. */
    static String head(InputStream in) throws IOException {
      StringBuilder b = new StringBuilder();
      while (!b.toString().endsWith("\r\n\r\n")) {
        int c = in.read();
        if (c < 0) {
          throw new IOException("closed in the response head: " + b);
        }
        b.append((char) c);
      }
      return b.substring(0, b.indexOf("\r\n"));
    }

    /** The user gives up. */
    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  static Optional<LearnedStore.Entry> learned(String host) {
    return new LearnedStore(state, Clock.systemUTC()).find(host);
  }

  @Test
  void aSlowHttpsDownloadIsLearnedWhileItRunsAndTheNextGoesThroughTheRelay() throws Exception {
    // The user's line is fast: a large file from another site, direct, goes on record.
    try (Download open = new Download(OPEN, "/bytes?n=2000000")) {
      assertThat(open.done.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(2_000_000);
    }
    connections.await(
        l -> l.contains("dest=" + OPEN) && l.contains("route=direct"), Duration.ofSeconds(10));

    // 8 MB at 64 kB/s would take two minutes: the user waits until detection has seen enough.
    int throttled = isp.connections();
    LearnedStore.Entry entry;
    try (Download slow = new Download(THROTTLED, "/bytes?n=8000000")) {
      entry = awaitLearned(THROTTLED, slow);
      assertThat(slow.done).as("learned while the transfer still ran").isNotDone();
    }
    int afterFirst = isp.connections();
    assertThat(afterFirst)
        .as("the first download (and detection's own certificate check) went through the throttle")
        .isGreaterThan(throttled);
    assertThat(entry.technique()).isEqualTo(Technique.THROTTLED);
    assertThat(entry.evidence().text())
        .startsWith("direct ")
        .contains(" kB/s vs relay ")
        .contains("MB/s (other sites, direct)")
        .contains("relay sample 1024 KiB");
    assertThat(Files.readString(state.resolve("learned.rules")))
        .contains("DOMAIN," + THROTTLED + ",RELAY # technique=12 throttled; evidence=direct ");

    // The next download of the same file goes through the relay, whole.
    int before = origin.requests().size();
    try (Download again = new Download(THROTTLED, "/bytes?n=8000000")) {
      assertThat(again.done.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(8_000_000);
    }
    assertThat(isp.connections()).as("nothing more through the throttle").isEqualTo(afterFirst);
    assertThat(origin.requests().subList(before, origin.requests().size()))
        .as("the origin saw the relay (127.0.0.1), not the throttle (127.0.0.2)")
        .singleElement()
        .satisfies(r -> assertThat(r.peer().getAddress().getHostAddress()).isEqualTo("127.0.0.1"));
    connections.await(
        l -> l.contains("dest=" + THROTTLED) && l.contains("route=relay"), Duration.ofSeconds(10));
  }

  /** Waits for {@code host} to be learned while {@code d} runs (and fails if it ends first). */
  static LearnedStore.Entry awaitLearned(String host, Download d) throws InterruptedException {
    for (int i = 0; i < 1200; i++) {
      Optional<LearnedStore.Entry> e = learned(host);
      if (e.isPresent()) {
        return e.get();
      }
      if (d.done.isDone()) {
        throw new AssertionError(host + " not learned, and the download ended: " + d.body.get());
      }
      Thread.sleep(25);
    }
    throw new AssertionError(host + " was not learned in 30 s; " + d.body.get() + " bytes came");
  }
}
