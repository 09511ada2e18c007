package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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
 * SIGHUP reloads and SIGTERM drains a real relay process, with a tunnel open; a drain that runs out
 * of time closes what is left.
 */
@Timeout(90)
class LifecycleTest {

  @Test
  void sigtermStopsAcceptingAndLetsOpenTunnelsFinish(@TempDir Path state) throws Exception {
    AccessKey key = Users.in(state).add("alice", Destination.of("127.0.0.1", 443));
    Process relay =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "io.sidestep.server.cli.ServerMain",
                "run",
                "--listen",
                "127.0.0.1:0",
                "--state",
                state.toString(),
                "--allow-destination",
                "127.0.0.1/32",
                "--drain",
                "60")
            .redirectErrorStream(true)
            .start();
    List<String> log = new CopyOnWriteArrayList<>();
    LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(relay.getInputStream(), StandardCharsets.UTF_8))) {
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
    try (AccountsTest.Echo echo = new AccountsTest.Echo()) {
      InetSocketAddress address = null;
      Pattern listening = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");
      while (address == null) {
        String l = lines.poll(30, TimeUnit.SECONDS);
        assertThat(l).as("relay log so far: %s", log).isNotNull();
        Matcher m = listening.matcher(l);
        if (m.find()) {
          address = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
        }
      }
      RelayClient tunnel = RelayClient.connect(address);
      assertThat(tunnel.request(RelayClient.connectRequest(echo.port(), key)).status())
          .isEqualTo(200);
      AccountsTest.echoes(tunnel, 100);

      // SIGHUP reloads users and certificate; the tunnel stays open.
      assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(relay.pid())).start().waitFor())
          .isZero();
      String reloaded = null;
      while (reloaded == null) {
        String l = lines.poll(30, TimeUnit.SECONDS);
        assertThat(l).as("relay log so far: %s", log).isNotNull();
        if (l.contains("certificate reloaded from")) {
          reloaded = l;
        }
      }
      AccountsTest.echoes(tunnel, 100);

      relay.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its log
      boolean refused = false;
      for (int i = 0; i < 200 && !refused; i++) {
        try (Socket s = new Socket(address.getAddress(), address.getPort())) {
          Thread.sleep(25);
        } catch (ConnectException e) {
          refused = true;
        }
      }
      assertThat(refused).as("no longer accepting; log: %s", log).isTrue();
      AccountsTest.echoes(tunnel, 100);
      assertThat(relay.isAlive()).as("draining while the tunnel is open").isTrue();

      tunnel.close();
      assertThat(relay.waitFor(30, TimeUnit.SECONDS))
          .as("exits once the last tunnel closed, long before --drain 60")
          .isTrue();
      reader.join(10_000); // the rest of the log, up to the end of the pipe
      assertThat(log).anyMatch(l -> l.contains("draining: 1 user connections open"));
    } finally {
      relay.destroyForcibly();
    }
  }

  @Test
  void aDrainThatRunsOutOfTimeClosesWhatIsLeft(@TempDir Path state) throws Exception {
    try (AccountsTest.Echo echo = new AccountsTest.Echo()) {
      Relay relay = TestRelays.reachingLoopback(state).start();
      AccessKey key = relay.addUser("bob");
      try (RelayClient tunnel = RelayClient.connect(relay.address())) {
        assertThat(tunnel.request(RelayClient.connectRequest(echo.port(), key)).status())
            .isEqualTo(200);
        relay.drain(Duration.ofMillis(300));
        assertThat(RelayClient.readsToEnd(tunnel.socket())).isTrue();
      }
    }
  }
}
