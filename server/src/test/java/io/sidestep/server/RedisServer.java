package io.sidestep.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian's package, which {@code .ci/run} installs) on a loopback
 * port, with no persistence; tests that need one are skipped, saying why, where the binary is
 * missing.
 */
final class RedisServer implements AutoCloseable {

  private final Process process;
  final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** A free loopback port, for a server started later (or never). */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  static Path binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
      Path p = Path.of(dir, "redis-server");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return Files.isExecutable(Path.of("/usr/bin/redis-server"))
        ? Path.of("/usr/bin/redis-server")
        : null;
  }

  /** Starts one on {@code port}, answering PING, or skips the test without the binary. */
  static RedisServer start(int port, Path dir) throws Exception {
    Path bin = binary();
    Assumptions.assumeTrue(
        bin != null, "redis-server is not installed (apt-get install redis-server; .ci/run does)");
    Process p =
        new ProcessBuilder(
                List.of(
                    bin.toString(),
                    "--port",
                    String.valueOf(port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    dir.toString(),
                    "--loglevel",
                    "warning"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis.log").toFile())
            .start();
    RedisServer server = new RedisServer(p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!server.pings()) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException(
            "redis-server did not start on port "
                + port
                + ": "
                + Files.readString(dir.resolve("redis.log")));
      }
      Thread.sleep(20);
    }
    return server;
  }

  static RedisServer start(Path dir) throws Exception {
    return start(freePort(), dir);
  }

  URI uri() {
    return URI.create("redis://127.0.0.1:" + port + "/0");
  }

  private boolean pings() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      s.setSoTimeout(1000);
      s.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] b = new byte[7];
      int n = s.getInputStream().read(b);
      return n > 0 && new String(b, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
  }
}
