package io.sidestep.lab;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.sidestep.core.relay.AccessKey;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay operator's limits, through the packaged jars on loopback (no namespaces, no root): the
 * relay jar's {@code users} commands set them, a relay jar process enforces them, the client jar
 * shows the relay's reason to the user's curl, and usage survives a restart of the relay process.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class JarLimitsTest {
  private static final int BIG = 300_000;

  @TempDir Path dir;
  private Path serverJar;
  private Path clientJar;
  private Path relayState;
  private HttpServer origin;
  private int relayPort;
  private Daemon relay;
  private Daemon client;
  private int clientPort;
  private String key;

  @BeforeEach
  void start() throws Exception {
    Path root = LabExtension.Holder.root();
    serverJar = root.resolve("server/target/sidestep-server.jar");
    clientJar = root.resolve("client/target/sidestep-client.jar");
    Assumptions.assumeTrue(
        Files.isRegularFile(serverJar) && Files.isRegularFile(clientJar),
        "needs the packaged jars (mvn package)");
    origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] big = new byte[BIG];
    origin.createContext(
        "/files/big.bin",
        ex -> {
          ex.sendResponseHeaders(200, big.length);
          try (OutputStream out = ex.getResponseBody()) {
            out.write(big);
          }
        });
    origin.start();
    relayState = dir.resolve("relay");
    relayPort = freePort();
    key =
        lastLine(
            jar(
                serverJar,
                "users",
                "add",
                "alice",
                "--state",
                relayState.toString(),
                "--address",
                "127.0.0.1:" + relayPort,
                "--limit",
                "500kB/1d"));
    assertThat(key).startsWith("sidestep://");
    relay = startRelay("relay-1");
    Path keys = dir.resolve("relays");
    Files.writeString(keys, key + "\n");
    keys.toFile().setReadable(false, false);
    keys.toFile().setReadable(true, true);
    Path rules = dir.resolve("rules.txt");
    Files.writeString(rules, "DOMAIN,localhost,RELAY\n");
    clientPort = freePort();
    client = startClient("client", clientPort);
  }

  @AfterEach
  void stop() {
    for (AutoCloseable c : new AutoCloseable[] {client, relay}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
    if (origin != null) {
      origin.stop(0);
    }
  }

  @Test
  void limitsSetWithTheJarAreEnforcedShownToTheUserAndSurviveARestart() throws Exception {
    assertThat(download().body()).as("under the limit").hasSize(BIG);
    download(); // 600 kB now, over 500 kB (the second may be cut short)
    Fetch refused = download();
    assertThat(refused.text())
        .as("the client's page says why the relay refused: %s", refused)
        .contains("over the data limit of 500kB per 1 days");

    relay.close();
    relay = startRelay("relay-2");
    assertThat(download().text()).as("usage survived the restart").contains("over the data limit");
    String shown = jar(serverJar, "users", "show", "alice", "--state", relayState.toString());
    assertThat(shown).contains("alice").doesNotContain(AccessKey.parse(key).token());

    jar(serverJar, "users", "set", "alice", "--limit", "50MB/1d", "--state", relayState.toString());
    assertThat(eventually(() -> download().body().length == BIG))
        .as("a raised limit lets alice in without a restart")
        .isTrue();

    String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
    jar(
        serverJar,
        "users",
        "set",
        "alice",
        "--expires",
        yesterday,
        "--state",
        relayState.toString());
    assertThat(eventually(() -> download().text().contains("access key expired on " + yesterday)))
        .isTrue();
    jar(serverJar, "users", "set", "alice", "--expires", "none", "--state", relayState.toString());

    // A client keeps one connection to its relay for all its tunnels, so max-conns limits the
    // devices a key is used on at once: a second device with the same key is refused.
    jar(serverJar, "users", "set", "alice", "--max-conns", "1", "--state", relayState.toString());
    assertThat(eventually(() -> download().body().length == BIG)).isTrue();
    int secondPort = freePort();
    try (Daemon second = startClient("client-2", secondPort)) {
      assertThat(
              eventually(
                  () -> download(secondPort).text().contains("too many connections: at most 1")))
          .isTrue();
      assertThat(download().body()).as("the first device still works").hasSize(BIG);
    }

    // A lifetime limit under what alice has used so far: refused at once, and after a restart.
    jar(
        serverJar,
        "users",
        "set",
        "alice",
        "--max-conns",
        "none",
        "--lifetime-limit",
        "1MB",
        "--state",
        relayState.toString());
    assertThat(eventually(() -> download().text().contains("over the lifetime data limit of 1MB")))
        .isTrue();
    relay.close();
    relay = startRelay("relay-3");
    assertThat(download().text()).contains("over the lifetime data limit of 1MB");
  }

  private record Fetch(int exit, byte[] body, String err) {
    String text() {
      return new String(body, StandardCharsets.UTF_8) + err;
    }

    @Override
    public String toString() {
      return "curl exit " + exit + ", " + body.length + " bytes: " + Cmd.tail(text(), 600);
    }
  }

  private Fetch download() throws IOException {
    return download(clientPort);
  }

  private Fetch download(int port) throws IOException {
    Path out = Files.createTempFile(dir, "body", ".bin");
    Cmd.Result r =
        Cmd.run(
            Duration.ofSeconds(40),
            "curl",
            "-sS",
            "--max-time",
            "30",
            "--proxy",
            "http://127.0.0.1:" + port,
            "-o",
            out.toString(),
            "http://localhost:" + origin.getAddress().getPort() + "/files/big.bin");
    byte[] body = Files.readAllBytes(out);
    Files.delete(out);
    return new Fetch(r.exit(), body, r.err());
  }

  private interface Check {
    boolean ok() throws Exception;
  }

  /** Whether {@code check} holds within 10 s (the relay applies user changes within a second). */
  private static boolean eventually(Check check) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (check.ok()) {
        return true;
      }
      Daemon.sleep(200);
    }
    return check.ok();
  }

  private Daemon startClient(String name, int httpPort) throws IOException {
    Daemon d =
        Daemon.start(
            name,
            null,
            List.of(
                RelayHost.java(),
                "-jar",
                clientJar.toString(),
                "run",
                "--http",
                "127.0.0.1:" + httpPort,
                "--socks",
                "127.0.0.1:" + freePort(),
                "--relay-file",
                dir.resolve("relays").toString(),
                "--rules",
                dir.resolve("rules.txt").toString(),
                "--state",
                dir.resolve(name).toString()),
            dir.resolve(name + ".log"));
    d.awaitReady("its HTTP door", Duration.ofSeconds(60), () -> open(httpPort));
    return d;
  }

  private Daemon startRelay(String name) throws IOException {
    Daemon d =
        Daemon.start(
            name,
            null,
            List.of(
                RelayHost.java(),
                "-jar",
                serverJar.toString(),
                "run",
                "--listen",
                "127.0.0.1:" + relayPort,
                "--state",
                relayState.toString(),
                "--allow-destination",
                "127.0.0.1/32"),
            dir.resolve(name + ".log"));
    d.awaitReady("its port", Duration.ofSeconds(60), () -> open(relayPort));
    return d;
  }

  private static String jar(Path jar, String... args) {
    List<String> argv = new ArrayList<>(List.of(RelayHost.java(), "-jar", jar.toString()));
    argv.addAll(List.of(args));
    return Cmd.run(Duration.ofSeconds(60), argv).orThrow().out();
  }

  private static String lastLine(String s) {
    List<String> lines = s.strip().lines().toList();
    return lines.get(lines.size() - 1).strip();
  }

  private static boolean open(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
