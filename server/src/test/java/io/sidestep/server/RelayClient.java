package io.sidestep.server;

import io.sidestep.core.relay.AccessKey;
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
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A raw TLS client for the relay: writes exactly the bytes a test gives it and parses responses by
 * hand, so tests see precisely what a stranger's probe would see.
 */
final class RelayClient implements AutoCloseable {

  static final int TIMEOUT_MS = 10_000;

  /** A response as read off the wire; header names as sent, plus a lower-case lookup. */
  record Response(int status, String statusLine, List<String> headerLines, byte[] body) {
    String header(String name) {
      for (String l : headerLines) {
        int c = l.indexOf(':');
        if (c > 0 && l.substring(0, c).trim().equalsIgnoreCase(name)) {
          return l.substring(c + 1).trim();
        }
      }
      return null;
    }

    List<String> headerNames() {
      List<String> n = new ArrayList<>();
      for (String l : headerLines) {
        n.add(l.substring(0, Math.max(0, l.indexOf(':'))).trim());
      }
      return n;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final SSLSocket socket;
  final InputStream in;
  final OutputStream out;

  private RelayClient(SSLSocket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static RelayClient connect(InetSocketAddress relay) throws Exception {
    return connect(relay, null, null);
  }

  /** Connects with TLS, trusting any certificate (tests compare pins themselves). */
  static RelayClient connect(InetSocketAddress relay, String sni, String protocol)
      throws Exception {
    return connectFrom(null, relay, sni, protocol);
  }

  /**
   * As {@link #connect(InetSocketAddress)}, from {@code source} (any 127.0.0.0/8 address works).
   */
  static RelayClient connectFrom(java.net.InetAddress source, InetSocketAddress relay)
      throws Exception {
    return connectFrom(source, relay, null, null);
  }

  private static RelayClient connectFrom(
      java.net.InetAddress source, InetSocketAddress relay, String sni, String protocol)
      throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {TRUST_ALL}, null);
    Socket raw = new Socket();
    if (source != null) {
      raw.bind(new InetSocketAddress(source, 0));
    }
    raw.connect(relay, TIMEOUT_MS);
    raw.setSoTimeout(TIMEOUT_MS);
    SSLSocket s =
        (SSLSocket)
            ctx.getSocketFactory().createSocket(raw, relay.getHostString(), relay.getPort(), true);
    SSLParameters p = s.getSSLParameters();
    p.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
    if (protocol != null) {
      p.setProtocols(new String[] {protocol});
    }
    s.setSSLParameters(p);
    s.startHandshake();
    return new RelayClient(s);
  }

  /**
   * A CONNECT to {@code 127.0.0.1:port} with {@code key}'s credentials, as a user opens a tunnel.
   */
  static String connectRequest(int port, AccessKey key) {
    return "CONNECT 127.0.0.1:"
        + port
        + " HTTP/1.1\r\nProxy-Authorization: "
        + basic(key)
        + "\r\n\r\n";
  }

  /**
   * Reads {@code s} until the relay closes it (true) or the socket's read timeout passes (false);
   * whatever comes (a TLS alert at most) is dropped.
   */
  static boolean readsToEnd(Socket s) {
    try {
      byte[] b = new byte[4096];
      while (s.getInputStream().read(b) >= 0) {
        // drained
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  static String basic(AccessKey key) {
    return basic(key.user(), key.token());
  }

  static String basic(String user, String token) {
    return "Basic "
        + Base64.getEncoder().encodeToString((user + ":" + token).getBytes(StandardCharsets.UTF_8));
  }

  SSLSocket socket() {
    return socket;
  }

  X509Certificate peerCertificate() throws Exception {
    return (X509Certificate) socket.getSession().getPeerCertificates()[0];
  }

  String protocol() {
    return socket.getSession().getProtocol();
  }

  RelayClient write(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    return this;
  }

  RelayClient write(byte[] b) throws IOException {
    out.write(b);
    out.flush();
    return this;
  }

  Response request(String s) throws IOException {
    write(s);
    return readResponse(in, false);
  }

  Response readResponse() throws IOException {
    return readResponse(in, false);
  }

  /** Reads a response; for a response to HEAD or CONNECT {@code noBody} skips the body. */
  static Response readResponse(InputStream in, boolean noBody) throws IOException {
    String statusLine = readLine(in);
    if (statusLine == null) {
      throw new IOException("connection closed before a response");
    }
    List<String> headers = new ArrayList<>();
    for (String l = readLine(in); l != null && !l.isEmpty(); l = readLine(in)) {
      headers.add(l);
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Response head = new Response(status, statusLine, headers, new byte[0]);
    if (noBody || status == 204 || status == 304 || (status >= 100 && status < 200)) {
      return head;
    }
    if (statusLine.contains("Connection established")) {
      return head;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    String len = head.header("Content-Length");
    String te = head.header("Transfer-Encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      while (true) {
        int n = Integer.parseInt(readLine(in).split(";")[0].trim(), 16);
        if (n == 0) {
          for (String l = readLine(in); l != null && !l.isEmpty(); l = readLine(in)) {
            // trailers
          }
          break;
        }
        body.write(in.readNBytes(n));
        readLine(in);
      }
    } else if (len != null) {
      byte[] b = in.readNBytes(Integer.parseInt(len));
      body.write(b);
    } else {
      body.write(in.readAllBytes());
    }
    return new Response(status, statusLine, headers, body.toByteArray());
  }

  static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        b.write(c);
      }
      if (b.size() > 65536) {
        throw new IOException("line too long");
      }
    }
    if (c == -1 && b.size() == 0) {
      return null;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * True when the relay has closed the connection: a read gives end of stream or a reset before the
   * socket timeout (which would mean a hang and fails the test instead).
   */
  boolean closedByRelay() throws IOException {
    try {
      byte[] buf = new byte[8192];
      while (true) {
        int n = in.read(buf);
        if (n < 0) {
          return true;
        }
      }
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset, or TLS closed without close_notify
    }
  }

  /** Starts TLS to the origin over this (tunnelled) connection. */
  SSLSocket tlsThrough(SSLContext originContext, String host, int port) throws IOException {
    SSLSocket s =
        (SSLSocket) originContext.getSocketFactory().createSocket(socket, host, port, false);
    SSLParameters p = s.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(p);
    s.setSoTimeout(TIMEOUT_MS);
    s.startHandshake();
    return s;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  static final X509TrustManager TRUST_ALL =
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

  static Map<String, String> lowerCaseHeaders(Response r) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String l : r.headerLines()) {
      int c = l.indexOf(':');
      m.put(l.substring(0, c).trim().toLowerCase(Locale.ROOT), l.substring(c + 1).trim());
    }
    return m;
  }
}
