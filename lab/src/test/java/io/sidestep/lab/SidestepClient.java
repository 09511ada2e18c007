package io.sidestep.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@code sidestep-client.jar run} on the user host, with both doors on loopback, its own state
 * directory and rules file, the lab's trust store (public root, plus the national and installed
 * roots), the given relays, and the given resolver.
 */
final class SidestepClient implements AutoCloseable {
  /** How one client is configured. */
  record Spec(String label, int httpPort, int socksPort, String dns, List<String> rules) {}

  /** One entry of {@code learned.rules}: {@code TYPE,VALUE,ACTION} and its comment. */
  record Learned(String type, String value, String action, String line) {}

  final Spec spec;
  final Path state;
  private final Daemon daemon;

  private SidestepClient(Spec spec, Path state, Daemon daemon) {
    this.spec = spec;
    this.state = state;
    this.daemon = daemon;
  }

  static SidestepClient start(Spec spec, Path jar, Certs certs, List<RelayHost> relays, Path dir)
      throws IOException {
    return start(spec, jar, certs, relays, dir, LabPlan.NS_USER);
  }

  /** As {@link #start(Spec, Path, Certs, List, Path)}, on the user host in namespace {@code ns}. */
  static SidestepClient start(
      Spec spec, Path jar, Certs certs, List<RelayHost> relays, Path dir, String ns)
      throws IOException {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    Path rules = dir.resolve("rules.txt");
    List<String> lines = new ArrayList<>();
    lines.add("# Sidestep lab: rules of client '" + spec.label() + "'.");
    lines.addAll(spec.rules());
    Files.write(rules, lines, StandardCharsets.UTF_8);
    List<String> argv = new ArrayList<>();
    argv.add(RelayHost.java());
    argv.add("-Xmx256m");
    argv.add("-Djavax.net.ssl.trustStore=" + certs.clientTrustStore());
    argv.add("-Djavax.net.ssl.trustStorePassword=" + Certs.TRUST_PASSWORD);
    argv.add("-Djavax.net.ssl.trustStoreType=PKCS12");
    argv.addAll(List.of("-jar", jar.toString(), "run"));
    argv.addAll(List.of("--http", "127.0.0.1:" + spec.httpPort()));
    argv.addAll(List.of("--socks", "127.0.0.1:" + spec.socksPort()));
    // The relay keys go in a file only the owner may read, as the README recommends, never on the
    // command line where every local user could read them.
    Path relayFile = dir.resolve("relays");
    Files.deleteIfExists(relayFile);
    Files.createFile(
        relayFile,
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    List<String> keys = new ArrayList<>();
    keys.add("# relays of client '" + spec.label() + "', tried in order");
    relays.forEach(r -> keys.add(r.accessKey));
    Files.write(relayFile, keys, StandardCharsets.UTF_8);
    argv.addAll(List.of("--relay-file", relayFile.toString()));
    argv.addAll(List.of("--rules", rules.toString(), "--state", state.toString()));
    argv.addAll(List.of("--dns", spec.dns()));
    Daemon d = Daemon.start("client " + spec.label(), ns, argv, dir.resolve("client.log"));
    SidestepClient client = new SidestepClient(spec, state, d);
    d.awaitReady(
        "both doors listening",
        Duration.ofSeconds(60),
        () ->
            Daemon.tcpOpen(ns, "127.0.0.1", spec.httpPort())
                && Daemon.tcpOpen(ns, "127.0.0.1", spec.socksPort()));
    return client;
  }

  String httpProxy() {
    return "http://127.0.0.1:" + spec.httpPort();
  }

  String socksProxy() {
    return "127.0.0.1:" + spec.socksPort();
  }

  String pacUrl() {
    return httpProxy() + "/proxy.pac";
  }

  Path learnedFile() {
    return state.resolve("learned.rules");
  }

  boolean alive() {
    return daemon.alive();
  }

  String logTail() {
    return daemon.logTail();
  }

  /** Every entry of {@code learned.rules} (none when the file does not exist). */
  List<Learned> learned() {
    List<Learned> out = new ArrayList<>();
    for (String line : learnedLines()) {
      String rule = line.contains("#") ? line.substring(0, line.indexOf('#')) : line;
      String[] f = rule.strip().split("\\s*,\\s*");
      if (f.length >= 3) {
        out.add(new Learned(f[0], f[1], f[2], line.strip()));
      }
    }
    return out;
  }

  /** The raw lines of {@code learned.rules} that mention {@code host} anywhere. */
  List<String> learnedLinesMentioning(String host) {
    return learnedLines().stream()
        .filter(l -> l.toLowerCase(Locale.ROOT).contains(host.toLowerCase(Locale.ROOT)))
        .toList();
  }

  /**
   * The lines of {@code learned.rules}: none before the client learned anything, and a failure, not
   * an empty list, when the file exists but cannot be read.
   */
  private List<String> learnedLines() {
    try {
      return Files.readAllLines(learnedFile(), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + learnedFile(), e);
    }
  }

  /** How many lines the client's log has now; a mark for {@link #logLinesAfter}. */
  int logMark() {
    return logLines().size();
  }

  /** The client's log lines after {@code mark}. */
  List<String> logLinesAfter(int mark) {
    List<String> all = logLines();
    return all.subList(Math.min(mark, all.size()), all.size());
  }

  private List<String> logLines() {
    try {
      // Lenient about encoding: a log line must never make the check itself fail.
      return new String(Files.readAllBytes(daemon.log), StandardCharsets.UTF_8).lines().toList();
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + daemon.log, e);
    }
  }

  /**
   * Waits up to {@code timeout} until the client's log shows, after {@code mark}, the end of at
   * least {@code n} connections to {@code host} (its per-connection line, {@code dest=HOST:PORT},
   * written once detection has judged the connection); returns how many it saw.
   */
  int awaitConnectionsEnded(String host, int mark, int n, Duration timeout) {
    String needle = " dest=" + host.toLowerCase(Locale.ROOT) + ":";
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      int seen =
          (int)
              logLinesAfter(mark).stream()
                  .filter(l -> l.toLowerCase(Locale.ROOT).contains(needle))
                  .count();
      if (seen >= n || System.nanoTime() > deadline) {
        return seen;
      }
      Daemon.sleep(200);
    }
  }

  /** The learned entry that routes {@code host} to the relay, if any. */
  Optional<Learned> learnedRelayEntry(String host) {
    return learned().stream()
        .filter(e -> e.value().equalsIgnoreCase(host) || e.value().equalsIgnoreCase(host + "."))
        .filter(e -> e.type().toUpperCase(Locale.ROOT).startsWith("DOMAIN"))
        .filter(e -> e.action().equalsIgnoreCase("RELAY"))
        .findFirst();
  }

  /** Waits up to {@code timeout} for a learned relay entry for {@code host}. */
  Optional<Learned> awaitLearnedRelayEntry(String host, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<Learned> e = learnedRelayEntry(host);
      if (e.isPresent() || System.nanoTime() > deadline) {
        return e;
      }
      Daemon.sleep(200);
    }
  }

  @Override
  public void close() {
    daemon.close();
  }
}
