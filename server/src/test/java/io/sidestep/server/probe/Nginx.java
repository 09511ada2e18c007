package io.sidestep.server.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A stock nginx (the Debian package) started for a test: {@code server_tokens off}, the given
 * files, certificate and key, TLS as in Mozilla's "intermediate" profile with the server's suite
 * order preferred (as in Debian's stock nginx.conf), and the given timeout for request heads,
 * bodies and kept-alive connections. nginx needs its port in the configuration, so a port is picked
 * at random from a high range and another is tried when that one is taken.
 */
public final class Nginx implements AutoCloseable {

  /** Mozilla's intermediate profile: the TLS 1.2 suites a careful site offers. */
  public static final String CIPHERS =
      "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
          + "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

  /** Mozilla's intermediate profile's groups. */
  public static final String GROUPS = "X25519:prime256v1:secp384r1";

  private final Process process;
  private final InetSocketAddress address;
  private final Path dir;

  private Nginx(Process process, InetSocketAddress address, Path dir) {
    this.process = process;
    this.address = address;
    this.dir = dir;
  }

  public static boolean installed() {
    return Files.isExecutable(Path.of("/usr/sbin/nginx"));
  }

  /**
   * Starts nginx serving {@code root} over TLS ({@code tls}) or plain HTTP, in {@code work}.
   *
   * @param extra more directives for the server block
   */
  public static Nginx start(
      Path work, Path root, Path cert, Path key, boolean tls, Duration timeout, String extra)
      throws IOException, InterruptedException {
    return start(work, root, cert, key, tls, false, timeout, extra);
  }

  /**
   * Starts nginx as {@link #start(Path, Path, Path, Path, boolean, Duration, String)} does, with
   * {@code http2} on its listen line when {@code http2} (then ALPN offers h2 first, as nginx 1.22
   * does).
   */
  public static Nginx start(
      Path work,
      Path root,
      Path cert,
      Path key,
      boolean tls,
      boolean http2,
      Duration timeout,
      String extra)
      throws IOException, InterruptedException {
    IOException last = null;
    for (int attempt = 0; attempt < 20; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 60_000);
      Path dir = Files.createTempDirectory(work, "nginx");
      Files.createDirectories(dir.resolve("tmp"));
      long s = Math.max(1, timeout.toSeconds());
      String conf =
          String.join(
              "\n",
              "daemon off;",
              "master_process off;",
              "worker_processes 1;",
              "pid " + dir.resolve("nginx.pid") + ";",
              "error_log " + dir.resolve("error.log") + " info;",
              "events { worker_connections 1024; }",
              "http {",
              "  include /etc/nginx/mime.types;",
              "  default_type application/octet-stream;",
              "  access_log off;",
              "  server_tokens off;",
              "  client_body_temp_path " + dir.resolve("tmp") + ";",
              "  proxy_temp_path " + dir.resolve("tmp") + ";",
              "  fastcgi_temp_path " + dir.resolve("tmp") + ";",
              "  uwsgi_temp_path " + dir.resolve("tmp") + ";",
              "  scgi_temp_path " + dir.resolve("tmp") + ";",
              "  client_header_timeout " + s + "s;",
              "  client_body_timeout " + s + "s;",
              "  keepalive_timeout " + s + "s;",
              "  server {",
              "    listen 127.0.0.1:" + port + (tls ? " ssl" : "") + (http2 ? " http2;" : ";"),
              tls ? "    ssl_certificate " + cert + ";" : "",
              tls ? "    ssl_certificate_key " + key + ";" : "",
              tls ? "    ssl_protocols TLSv1.2 TLSv1.3;" : "",
              tls ? "    ssl_ciphers " + CIPHERS + ";" : "",
              tls ? "    ssl_ecdh_curve " + GROUPS + ";" : "",
              // As Debian's stock nginx.conf has it.
              tls ? "    ssl_prefer_server_ciphers on;" : "",
              "    root " + root + ";",
              extra == null ? "" : extra,
              "  }",
              "}",
              "");
      Path confFile = dir.resolve("nginx.conf");
      Files.writeString(confFile, conf, StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder("/usr/sbin/nginx", "-p", dir.toString(), "-c", confFile.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("stdout.log").toFile())
              .start();
      InetSocketAddress a = new InetSocketAddress("127.0.0.1", port);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && p.isAlive()) {
        try (Socket probe = new Socket()) {
          probe.connect(a, 200);
          return new Nginx(p, a, dir);
        } catch (IOException e) {
          Thread.sleep(20); // nginx is still starting; polling its port is the only signal
        }
      }
      p.destroyForcibly().waitFor();
      String log = Files.readString(dir.resolve("error.log"));
      last = new IOException("nginx did not start on port " + port + ": " + log);
      if (!log.contains("Address already in use")) {
        break;
      }
    }
    throw last;
  }

  public InetSocketAddress address() {
    return address;
  }

  public Path dir() {
    return dir;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
