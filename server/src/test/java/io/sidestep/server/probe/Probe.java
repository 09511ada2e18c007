package io.sidestep.server.probe;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One question a prober asks a server: bytes to send (over TLS or raw TCP), then how long to keep
 * listening. The answer is an {@link Outcome}: what came back, and whether and when the server
 * closed.
 *
 * @param name what the probe is
 * @param tls whether to speak TLS first
 * @param alpn protocols to offer, or null for no ALPN extension
 * @param sni the server name to send, or null for none
 * @param sends the writes, in order
 * @param listenMillis how long to wait, after the last write, for more bytes or the close (and at
 *     least half as long again after the last byte read)
 * @param suite the only TLS 1.2 suite to offer (TLS 1.2 only), or null for the defaults
 */
public record Probe(
    String name,
    boolean tls,
    List<String> alpn,
    String sni,
    List<byte[]> sends,
    long listenMillis,
    String suite) {

  /** What a server did with a probe. */
  public record Outcome(String handshake, byte[] bytes, String end, long endMillis) {
    public String text() {
      return new String(bytes, StandardCharsets.ISO_8859_1);
    }
  }

  /**
   * How long a server may stay quiet before the connection counts as left open: long enough for a
   * loaded machine, short enough that a hundred probes finish in seconds.
   */
  static final long QUIET_MILLIS = 1200;

  public static Probe tls(String name, String request) {
    return tls(name, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  public static Probe tls(String name, byte[] request) {
    return new Probe(name, true, null, null, List.of(request), QUIET_MILLIS, null);
  }

  public static Probe raw(String name, byte[] bytes) {
    return new Probe(name, false, null, null, List.of(bytes), QUIET_MILLIS, null);
  }

  public Probe listen(long millis) {
    return new Probe(name, tls, alpn, sni, sends, millis, suite);
  }

  public Probe alpn(String... protocols) {
    return new Probe(name, tls, List.of(protocols), sni, sends, listenMillis, suite);
  }

  public Probe sni(String host) {
    return new Probe(name, tls, alpn, host, sends, listenMillis, suite);
  }

  /** The same bytes without TLS. */
  public Probe plain() {
    return new Probe(name, false, alpn, sni, sends, listenMillis, suite);
  }

  public Probe suite(String tls12Suite) {
    return new Probe(name, tls, alpn, sni, sends, listenMillis, tls12Suite);
  }

  /** Writes {@code more} after the first bytes, as a second write. */
  public Probe then(byte[] more) {
    List<byte[]> all = new ArrayList<>(sends);
    all.add(more);
    return new Probe(name, tls, alpn, sni, all, listenMillis, suite);
  }

  /**
   * Writes {@code more} once the server has answered the bytes before it (its answer read to a
   * quiet moment), as a client does that waits for one response before the next request.
   */
  public Probe afterAnswer(byte[] more) {
    return then(WAIT).then(more);
  }

  /** In {@link #sends}: read the answer so far before the next write. */
  private static final byte[] WAIT = new byte[0];

  /** Sends the probe to {@code server} and listens. */
  public Outcome run(InetSocketAddress server) throws Exception {
    Socket raw = new Socket();
    raw.connect(server, 5_000);
    raw.setTcpNoDelay(true);
    Socket s = raw;
    String handshake = "none";
    try {
      if (tls) {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {TRUST_ALL}, null);
        SSLSocket ssl =
            (SSLSocket)
                ctx.getSocketFactory()
                    .createSocket(raw, server.getHostString(), server.getPort(), true);
        SSLParameters p = ssl.getSSLParameters();
        List<SNIServerName> names = new ArrayList<>();
        if (sni != null) {
          names.add(new SNIHostName(sni));
        }
        p.setServerNames(names);
        if (alpn != null) {
          p.setApplicationProtocols(alpn.toArray(new String[0]));
        }
        ssl.setSSLParameters(p);
        if (suite != null) {
          ssl.setEnabledProtocols(new String[] {"TLSv1.2"});
          ssl.setEnabledCipherSuites(new String[] {suite});
        }
        raw.setSoTimeout(5_000);
        try {
          ssl.startHandshake();
          handshake =
              "ok "
                  + ssl.getSession().getProtocol()
                  + " "
                  + ssl.getSession().getCipherSuite()
                  + " alpn="
                  + ssl.getApplicationProtocol();
        } catch (IOException e) {
          return new Outcome("failed: " + e.getMessage(), new byte[0], "closed", 0);
        }
        s = ssl;
      }
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[65536];
      try {
        for (byte[] b : sends) {
          if (b == WAIT) {
            s.setSoTimeout(5_000);
            int n = in.read(buf); // the answer's first bytes
            while (n > 0) {
              got.write(buf, 0, n);
              s.setSoTimeout(300);
              try {
                n = in.read(buf);
              } catch (SocketTimeoutException quiet) {
                n = 0;
              }
            }
            continue;
          }
          out.write(b);
          out.flush();
        }
      } catch (IOException e) {
        // The server closed while the probe was still writing; what it sent first still counts.
      }
      long sent = System.nanoTime();
      long deadline = sent + listenMillis * 1_000_000L;
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
          return new Outcome(handshake, got.toByteArray(), "open", -1);
        }
        s.setSoTimeout((int) left);
        try {
          int n = in.read(buf);
          if (n < 0) {
            return new Outcome(handshake, got.toByteArray(), "closed", since(sent));
          }
          got.write(buf, 0, n);
          // More may follow the bytes just read: listen on, at least half the window again.
          deadline = Math.max(deadline, System.nanoTime() + listenMillis * 500_000L);
        } catch (SocketTimeoutException e) {
          // loop: the deadline decides
        } catch (IOException e) {
          return new Outcome(
              handshake, got.toByteArray(), "error: " + e.getClass().getSimpleName(), since(sent));
        }
      }
    } finally {
      s.close();
    }
  }

  private static long since(long t) {
    return (System.nanoTime() - t) / 1_000_000L;
  }

  private static final X509TrustManager TRUST_ALL =
      new X509TrustManager() {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
          return new X509Certificate[0];
        }
      };
}
