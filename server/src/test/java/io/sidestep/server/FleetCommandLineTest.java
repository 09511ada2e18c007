package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's path through the command line, each relay a process of its own: `fleet init`, two
 * relays run with `--trust-key FILE --revocations FILE --usage-store redis://…`, `fleet issue` for
 * both, a quota that holds across them, and `fleet revoke` stopping the key on both within 2 s.
 */
@Timeout(120)
class FleetCommandLineTest {

  /** A relay process and what its log said. */
  static final class RelayProcess implements AutoCloseable {
    final Process process;
    final List<String> log = new CopyOnWriteArrayList<>();
    InetSocketAddress address;
    String pin;

    RelayProcess(String... args) throws Exception {
      List<String> command =
          new ArrayList<>(
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  "io.sidestep.server.cli.ServerMain",
                  "run"));
      command.addAll(List.of(args));
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
      LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String l = r.readLine(); l != null; l = r.readLine()) {
                    log.add(l);
                    lines.add(l);
                  }
                } catch (IOException e) {
                  // the process ended
                }
              });
      reader.setDaemon(true);
      reader.start();
      Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
      Pattern pinned = Pattern.compile("pin (sha256/\\S+),");
      while (address == null || pin == null) {
        String l = lines.poll(30, TimeUnit.SECONDS);
        assertThat(l).as("relay log so far: %s", log).isNotNull();
        Matcher m = listening.matcher(l);
        if (m.find()) {
          address = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
        }
        Matcher p = pinned.matcher(l);
        if (p.find()) {
          pin = p.group(1);
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  static RelayClient.Response connect(RelayProcess relay, int port, AccessKey key)
      throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address)) {
      return c.request(RelayClient.connectRequest(port, key));
    }
  }

  static void echo30k(RelayProcess relay, int port, AccessKey key) throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address)) {
      assertThat(c.request(RelayClient.connectRequest(port, key)).status()).isEqualTo(200);
      AccountsTest.echoes(c, 30_000);
    }
  }

  @Test
  void twoRelayProcessesShareOneUserBaseAQuotaAndTheRevocations(@TempDir Path dir)
      throws Exception {
    Path key = dir.resolve("fleet-key.pem");
    Path revocations = dir.resolve("revocations");
    assertThat(UsersCliTest.run("fleet", "init", "--key", key.toString()).code()).isZero();
    try (RedisServer redis = RedisServer.start(dir);
        AccountsTest.Echo echo = new AccountsTest.Echo()) {
      List<String> common =
          List.of(
              "--listen",
              "127.0.0.1:0",
              "--allow-destination",
              "127.0.0.1/32",
              "--trust-key",
              key + ".pub",
              "--revocations",
              revocations.toString(),
              "--usage-store",
              redis.uri().toString());
      List<String> one = new ArrayList<>(common);
      one.addAll(List.of("--state", dir.resolve("one").toString()));
      List<String> two = new ArrayList<>(common);
      two.addAll(List.of("--state", dir.resolve("two").toString()));
      try (RelayProcess a = new RelayProcess(one.toArray(String[]::new));
          RelayProcess b = new RelayProcess(two.toArray(String[]::new))) {
        UsersCliTest.Result issued =
            UsersCliTest.run(
                "fleet",
                "issue",
                "alice",
                "--key",
                key.toString(),
                "--relay",
                "127.0.0.1:" + a.address.getPort() + ",127.0.0.1:" + b.address.getPort(),
                "--pin",
                a.pin + "," + b.pin,
                "--lifetime-limit",
                "100kB");
        assertThat(issued.code()).as(issued.err()).isZero();
        List<AccessKey> keys = AccessKey.parseAll(issued.lastLine());
        AccessKey onA =
            keys.stream()
                .filter(k -> k.relay().port() == a.address.getPort())
                .findFirst()
                .orElseThrow();
        AccessKey onB =
            keys.stream()
                .filter(k -> k.relay().port() == b.address.getPort())
                .findFirst()
                .orElseThrow();
        echo30k(a, echo.port(), onA); // 60 kB on each relay, 120 kB in the fleet
        echo30k(b, echo.port(), onB);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        RelayClient.Response r = connect(a, echo.port(), onA);
        while (r.status() == 200 && System.nanoTime() < deadline) {
          Thread.sleep(50);
          r = connect(a, echo.port(), onA);
        }
        assertThat(r.status()).as("relay a log: %s", a.log).isEqualTo(403);
        assertThat(r.header("Sidestep-Refused"))
            .startsWith("over the lifetime data limit of 100kB");

        UsersCliTest.Result bob =
            UsersCliTest.run(
                "fleet",
                "issue",
                "bob",
                "--key",
                key.toString(),
                "--relay",
                "127.0.0.1:" + a.address.getPort() + ",127.0.0.1:" + b.address.getPort(),
                "--pin",
                a.pin + "," + b.pin);
        List<AccessKey> bobs = AccessKey.parseAll(bob.lastLine());
        for (AccessKey k : bobs) {
          RelayProcess at = k.relay().port() == a.address.getPort() ? a : b;
          assertThat(connect(at, echo.port(), k).status()).isEqualTo(200);
        }
        assertThat(
                UsersCliTest.run(
                        "fleet",
                        "revoke",
                        "bob",
                        "--key",
                        key.toString(),
                        "--revocations",
                        revocations.toString())
                    .code())
            .isZero();
        long changed = Files.getLastModifiedTime(revocations).toMillis();
        for (AccessKey k : bobs) {
          RelayProcess at = k.relay().port() == a.address.getPort() ? a : b;
          int status = 200;
          while (status == 200 && System.currentTimeMillis() < changed + 2000) {
            status = connect(at, echo.port(), k).status();
          }
          assertThat(status)
              .as("refused within 2 s of the change; log: %s", at.log)
              .isNotEqualTo(200);
        }
      }
    }
  }
}
