package io.sidestep.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One relay host running {@code sidestep-server.jar run}, with one user whose access key the
 * clients get. It resolves names through its host's resolver, the honest one abroad.
 */
final class RelayHost implements AutoCloseable {
  final String label;
  final String ns;
  final String address;
  final String accessKey;
  private final Daemon daemon;

  private RelayHost(String label, String ns, String address, String accessKey, Daemon daemon) {
    this.label = label;
    this.ns = ns;
    this.address = address;
    this.accessKey = accessKey;
    this.daemon = daemon;
  }

  static RelayHost start(String label, String ns, String address, Path jar, Path dir)
      throws IOException {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    String listen = address + ":" + LabPlan.RELAY_PORT;
    Cmd.Result users =
        Cmd.inNs(
                ns,
                Duration.ofSeconds(90),
                java(),
                "-Xmx128m",
                "-jar",
                jar.toString(),
                "users",
                "add",
                "lab",
                "--state",
                state.toString(),
                "--address",
                listen)
            .orThrow();
    String key = lastLine(users.out());
    if (!key.startsWith("sidestep://")) {
      throw new IllegalStateException(
          label
              + ": `users add` did not end with an access key (expected sidestep://…); got: "
              + Cmd.tail(users.out(), 300));
    }
    List<String> run = new ArrayList<>(List.of(java(), "-Xmx256m", "-jar", jar.toString()));
    run.addAll(List.of("run", "--listen", listen, "--state", state.toString()));
    // The lab's public addresses are documentation ranges, which the relay's policy does not
    // block (AddressRanges.NON_PUBLIC); the flag names the lab's sites explicitly all the same.
    run.addAll(List.of("--allow-destination", "203.0.113.0/24"));
    Daemon d = Daemon.start(label, ns, run, dir.resolve(label + ".log"));
    RelayHost relay = new RelayHost(label, ns, address, key, d);
    d.awaitReady(
        "listening on " + listen,
        Duration.ofSeconds(60),
        () -> Daemon.tcpOpen(ns, address, LabPlan.RELAY_PORT));
    return relay;
  }

  boolean alive() {
    return daemon.alive();
  }

  String logTail() {
    return daemon.logTail();
  }

  @Override
  public void close() {
    daemon.close();
  }

  static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  static String lastLine(String out) {
    String[] lines = out.strip().split("\n");
    return lines[lines.length - 1].strip();
  }
}
