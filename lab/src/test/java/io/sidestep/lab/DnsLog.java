package io.sidestep.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A dnsmasq query log ({@code --log-queries}): every question a resolver received, with the name
 * and the asking address, as lines like {@code query[A] name from 192.0.2.10}. Positions are line
 * counts, so a test can ask what was looked up after a given moment.
 */
final class DnsLog {
  private final Path file;

  DnsLog(Path file) {
    this.file = file;
  }

  private List<String> lines() {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The current end of the log; pass it to {@link #queriesFor} to see only later questions. */
  int mark() {
    // dnsmasq writes each line as it answers; a short pause lets in-flight questions land first.
    Daemon.sleep(300);
    return lines().size();
  }

  /** Questions for {@code name} (any type) logged after line {@code from}. */
  List<String> queriesFor(String name, int from) {
    String needle = "] " + name.toLowerCase(Locale.ROOT) + " from ";
    List<String> all = lines();
    return all.subList(Math.min(from, all.size()), all.size()).stream()
        .filter(l -> l.contains("query[") && l.toLowerCase(Locale.ROOT).contains(needle))
        .toList();
  }

  /** Questions from {@code address} logged after line {@code from}. */
  List<String> queriesFrom(String address, int from) {
    List<String> all = lines();
    return all.subList(Math.min(from, all.size()), all.size()).stream()
        .filter(l -> l.contains("query[") && l.endsWith(" from " + address))
        .toList();
  }

  /** True once dnsmasq has logged that it started. */
  boolean started() {
    return lines().stream().anyMatch(l -> l.contains("started, version"));
  }
}
