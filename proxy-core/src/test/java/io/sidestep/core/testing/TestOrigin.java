package io.sidestep.core.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.sidestep.core.tls.CertificateBuilder;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.KeyStores;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A small HTTP or HTTPS origin server on 127.0.0.1, port 0, that records every request and the peer
 * address it came from (which shows whether a request went direct or through a relay).
 *
 * <p>Paths:
 *
 * <ul>
 *   <li>{@code /bytes?n=N}: N bytes of {@code 'x'} with a Content-Length (downloads, benchmarks);
 *   <li>{@code /headers}: the request's headers, one {@code name: value} line each, names in lower
 *       case (shows what a proxy forwarded);
 *   <li>{@code /echo}: the request body;
 *   <li>{@code /redirect?to=URL}: a 302 to the (URL-encoded) URL;
 *   <li>{@code /status?code=N}: a short page with status N;
 *   <li>{@code /text?t=TEXT}: a page whose body is the (URL-encoded) text;
 *   <li>{@code /slow?ms=N}: {@link #BODY}, after N ms (a backend slow for everyone); with {@code
 *       &peer=ADDRESS&peerMs=M}, after M ms for requests from that address;
 *   <li>anything else: 200, {@code text/html}, {@link #BODY}.
 * </ul>
 *
 * <p>HTTPS origins get a fresh self-signed certificate for {@code localhost}, {@code 127.0.0.1} and
 * {@code ::1} unless one is given; {@link #clientContext()} trusts it.
 */
public final class TestOrigin implements AutoCloseable {

  /** The body every ordinary path serves. */
  public static final String BODY =
      "<html><head><title>Sidestep test origin</title></head><body>origin says hello</body></html>";

  /** One request as the origin saw it. */
  public record Request(
      String method,
      String path,
      InetSocketAddress peer,
      Map<String, String> headers,
      byte[] body) {

    /** The first value of a header, by case-insensitive name, or null. */
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final CertifiedKey key;
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  private TestOrigin(HttpServer server, ExecutorService executor, CertifiedKey key) {
    this.server = server;
    this.executor = executor;
    this.key = key;
  }

  /** A plain HTTP origin on 127.0.0.1, port 0. */
  public static TestOrigin http() {
    return start(null);
  }

  /** An HTTPS origin on 127.0.0.1, port 0, with a fresh self-signed certificate. */
  public static TestOrigin https() {
    return https(
        CertificateBuilder.subject("CN=localhost")
            .dnsNames("localhost")
            .ipAddresses("127.0.0.1", "::1")
            .selfSigned());
  }

  /** An HTTPS origin on 127.0.0.1, port 0, serving {@code key} (expired, wrong CA, anything). */
  public static TestOrigin https(CertifiedKey key) {
    return start(key);
  }

  /**
   * An HTTPS origin on 127.0.0.1, port 0, that serves each name its own certificate, chosen by the
   * client's SNI, as a host of many sites does; {@code fallback} goes to clients that send no SNI
   * or a name not in {@code byName}. Names are matched in lower case.
   */
  public static TestOrigin https(Map<String, CertifiedKey> byName, CertifiedKey fallback) {
    Map<String, CertifiedKey> keys = new HashMap<>();
    byName.forEach((name, key) -> keys.put(name.toLowerCase(Locale.ROOT), key));
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(new KeyManager[] {new BySni(keys, fallback)}, null, null);
      return start(fallback, ctx);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot build a TLS context", e);
    }
  }

  /** Picks the key whose alias is the SNI host name; the alias of the fallback is "". */
  private static final class BySni extends X509ExtendedKeyManager {
    private final Map<String, CertifiedKey> keys;
    private final CertifiedKey fallback;

    BySni(Map<String, CertifiedKey> keys, CertifiedKey fallback) {
      this.keys = keys;
      this.fallback = fallback;
    }

    private CertifiedKey key(String alias) {
      return keys.getOrDefault(alias, fallback);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      String alias = "";
      if (engine.getHandshakeSession() instanceof ExtendedSSLSession s) {
        for (SNIServerName n : s.getRequestedServerNames()) {
          if (n instanceof SNIHostName h
              && keys.containsKey(h.getAsciiName().toLowerCase(Locale.ROOT))) {
            alias = h.getAsciiName().toLowerCase(Locale.ROOT);
          }
        }
      }
      // Offer the key only for the signature kind it can make (EC keys for "EC", RSA for "RSA").
      return key(alias).privateKey().getAlgorithm().equals(keyType) ? alias : null;
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return fallback.privateKey().getAlgorithm().equals(keyType) ? "" : null;
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return key(alias).chain().toArray(new X509Certificate[0]);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return key(alias).privateKey();
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return new String[] {""};
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  private static TestOrigin start(CertifiedKey key) {
    return start(key, key == null ? null : KeyStores.sslContext(key, List.of()));
  }

  private static TestOrigin start(CertifiedKey key, SSLContext context) {
    InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    ExecutorService executor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "test-origin");
              t.setDaemon(true);
              return t;
            });
    try {
      HttpServer server;
      if (key == null) {
        server = HttpServer.create(bind, 64);
      } else {
        HttpsServer https = HttpsServer.create(bind, 64);
        https.setHttpsConfigurator(new HttpsConfigurator(context));
        server = https;
      }
      TestOrigin origin = new TestOrigin(server, executor, key);
      server.createContext("/", origin::handle);
      server.setExecutor(executor);
      server.start();
      return origin;
    } catch (IOException e) {
      executor.shutdownNow();
      throw new UncheckedIOException(e);
    }
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, String> headers = new LinkedHashMap<>();
      ex.getRequestHeaders()
          .forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), v.isEmpty() ? "" : v.get(0)));
      String path = ex.getRequestURI().getRawPath();
      requests.add(
          new Request(
              ex.getRequestMethod(),
              ex.getRequestURI().toString(),
              ex.getRemoteAddress(),
              headers,
              body));
      boolean head = ex.getRequestMethod().equals("HEAD");
      if (path.equals("/slow")) {
        String ms =
            ex.getRemoteAddress().getAddress().getHostAddress().equals(query(ex, "peer", ""))
                ? query(ex, "peerMs", "0")
                : query(ex, "ms", "0");
        try {
          Thread.sleep(Long.parseLong(ms));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      if (path.equals("/bytes")) {
        long n = Long.parseLong(query(ex, "n", "0"));
        ex.getResponseHeaders().set("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(200, head ? -1 : (n == 0 ? -1 : n));
        if (!head) {
          try (OutputStream out = ex.getResponseBody()) {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            long left = n;
            while (left > 0) {
              int k = (int) Math.min(chunk.length, left);
              out.write(chunk, 0, k);
              left -= k;
            }
          }
        }
        return;
      }
      if (path.equals("/redirect")) {
        ex.getResponseHeaders().set("Location", decoded(query(ex, "to", "/")));
        ex.sendResponseHeaders(302, -1);
        return;
      }
      byte[] out;
      String type = "text/html; charset=utf-8";
      int status = 200;
      if (path.equals("/status")) {
        status = Integer.parseInt(query(ex, "code", "200"));
        out = ("<html><body>status " + status + "</body></html>").getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/text")) {
        out =
            ("<html><body>" + decoded(query(ex, "t", "")) + "</body></html>")
                .getBytes(StandardCharsets.UTF_8);
      } else if (path.equals("/headers")) {
        StringBuilder sb = new StringBuilder();
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        out = sb.toString().getBytes(StandardCharsets.UTF_8);
        type = "text/plain; charset=utf-8";
      } else if (path.equals("/echo")) {
        out = body;
        type = "application/octet-stream";
      } else {
        out = BODY.getBytes(StandardCharsets.UTF_8);
      }
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, head || out.length == 0 ? -1 : out.length);
      if (!head && out.length > 0) {
        try (OutputStream os = ex.getResponseBody()) {
          os.write(out);
        }
      }
    }
  }

  private static String decoded(String s) {
    return java.net.URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String query(HttpExchange ex, String name, String fallback) {
    String q = ex.getRequestURI().getRawQuery();
    if (q != null) {
      for (String part : q.split("&")) {
        if (part.startsWith(name + "=")) {
          return part.substring(name.length() + 1);
        }
      }
    }
    return fallback;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public InetSocketAddress address() {
    return server.getAddress();
  }

  public boolean isHttps() {
    return key != null;
  }

  /** {@code http(s)://127.0.0.1:PORT} and {@code path}. */
  public String url(String path) {
    return (isHttps() ? "https" : "http") + "://127.0.0.1:" + port() + path;
  }

  /** The certificate an HTTPS origin serves (null for HTTP). */
  public X509Certificate certificate() {
    return key == null ? null : key.certificate();
  }

  /** The key and chain an HTTPS origin serves (null for HTTP). */
  public CertifiedKey certifiedKey() {
    return key;
  }

  /** A client TLS context that trusts exactly this origin's certificate chain's last element. */
  public SSLContext clientContext() {
    if (key == null) {
      throw new IllegalStateException("a plain HTTP origin has no certificate");
    }
    return KeyStores.sslContext(null, List.of(key.chain().get(key.chain().size() - 1)));
  }

  /** Every request so far, oldest first. */
  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /** The latest request; fails when there was none. */
  public Request lastRequest() {
    if (requests.isEmpty()) {
      throw new AssertionError("the origin received no request");
    }
    return requests.get(requests.size() - 1);
  }

  /** Waits (bounded) until at least {@code n} requests arrived. */
  public List<Request> awaitRequests(int n, Duration timeout)
      throws InterruptedException, TimeoutException {
    long end = System.nanoTime() + timeout.toNanos();
    while (requests.size() < n) {
      if (System.nanoTime() > end) {
        throw new TimeoutException("origin got " + requests.size() + " requests, expected " + n);
      }
      Thread.sleep(10);
    }
    return requests();
  }

  @Override
  public void close() {
    // Handlers first: one still writing a body nobody reads (a download the test abandoned) holds
    // the TLS engine's lock that stop() needs, and an interrupt closes its channel. stop() then
    // runs on a thread of its own, waited for a bounded time, so a close can never hang a run.
    executor.shutdownNow();
    Thread stopper = new Thread(() -> server.stop(0), "test origin stop");
    stopper.setDaemon(true);
    stopper.start();
    try {
      stopper.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
