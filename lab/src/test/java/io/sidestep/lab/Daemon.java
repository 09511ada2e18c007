package io.sidestep.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A long-running lab process (nginx, dnsmasq, a relay, a client) started in a namespace (or, with
 * no namespace, on this machine), in the foreground, as a child of the test JVM, with its output in
 * a log file. The lab stops it on close; lab-down.sh kills anything left in the namespaces.
 */
final class Daemon implements AutoCloseable {
  final String name;
  final Path log;
  private final Process process;

  private Daemon(String name, Path log, Process process) {
    this.name = name;
    this.log = log;
    this.process = process;
  }

  static Daemon start(String name, String ns, List<String> argv, Path log) throws IOException {
    Files.createDirectories(log.getParent());
    Process p =
        Cmd.builder(ns == null ? argv : Cmd.netns(ns, argv))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    p.getOutputStream().close();
    return new Daemon(name, log, p);
  }

  boolean alive() {
    return process.isAlive();
  }

  String logTail() {
    try {
      return Cmd.tail(Files.readString(log, StandardCharsets.UTF_8), 3000);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /**
   * Waits until {@code ready} holds, failing early with the log if the process exits. Polls every
   * 200 ms.
   */
  void awaitReady(String what, Duration timeout, BooleanSupplier ready) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      if (ready.getAsBoolean()) {
        return;
      }
      if (!alive()) {
        throw new IllegalStateException(
            name
                + " exited (code "
                + process.exitValue()
                + ") before "
                + what
                + "; log:\n"
                + logTail());
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            name
                + " not ready ("
                + what
                + ") after "
                + timeout.toSeconds()
                + " s; log:\n"
                + logTail());
      }
      sleep(200);
    }
  }

  /** SIGTERM, up to 5 s of grace, then SIGKILL for it and anything it started. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        Cmd.killTree(process.toHandle());
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Cmd.killTree(process.toHandle());
      Thread.currentThread().interrupt();
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** True when a TCP connect from inside {@code ns} to host:port succeeds within 2 s. */
  static boolean tcpOpen(String ns, String host, int port) {
    return Cmd.inNs(
            ns,
            Duration.ofSeconds(3),
            "timeout",
            "2",
            "bash",
            "-c",
            "exec 3<>/dev/tcp/" + host + "/" + port)
        .ok();
  }
}
