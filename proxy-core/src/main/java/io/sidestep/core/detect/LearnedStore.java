package io.sidestep.core.detect;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The learned blocklist, {@code STATE/learned.rules}: one entry per host in rules-file syntax with
 * its evidence in a trailing comment, for example
 *
 * <pre>
 * DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms after ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z
 * </pre>
 *
 * An IP-literal host is written as {@code IP-CIDR,ADDR/32,RELAY,no-resolve} (or {@code
 * IP-CIDR6,ADDR/128,…}).
 *
 * <p>The file is the truth: every change re-reads it first and merges, so a line the user deleted
 * stays deleted, and is then written whole to a temporary file in the same folder, forced to disk,
 * renamed over the old one and the folder forced, so a {@code kill -9} leaves either the old file
 * or the new one. Lines it does not understand are kept as they are. Defaults: entries expire after
 * 7 days; at most 10,000 entries, the oldest dropped first.
 *
 * <p>Thread-safe within one process.
 */
public final class LearnedStore {

  /** The file's name in the state folder. */
  public static final String FILE_NAME = "learned.rules";

  /** How long an entry holds before it is checked direct again: 7 days. */
  public static final Duration DEFAULT_TTL = Duration.ofDays(7);

  /** How many entries are kept: 10,000. */
  public static final int DEFAULT_MAX = 10_000;

  static final List<String> HEADER =
      List.of(
          "# Sidestep learned blocklist: hosts where detection saw a censor interfere, with the",
          "# evidence. Written by the client, in rules-file syntax, one entry per host; the comment",
          "# after each entry gives the technique (numbered as in CENSORSHIP.md), what the direct",
          "# path and the relay saw, when, and when it expires. At expiry the host is checked",
          "# direct again: dropped if direct works, renewed if not. Delete a line to make the",
          "# client forget a host. Rules in your own rules file always come first.");

  /** One learned host; {@code evidence.time()} is when it was learned (or last renewed). */
  public record Entry(String host, Evidence evidence, Instant expires) {
    public Entry {
      host = Destination.normalise(host);
      Objects.requireNonNull(evidence, "evidence");
      Objects.requireNonNull(expires, "expires");
    }

    public Instant learned() {
      return evidence.time();
    }

    public Technique technique() {
      return evidence.technique();
    }

    public boolean expired(Instant now) {
      return !now.isBefore(expires);
    }

    /** The entry's line in the file. */
    public String line() {
      String rule;
      if (io.sidestep.core.net.IpLiterals.isIpv4Literal(host)) {
        rule = "IP-CIDR," + host + "/32,RELAY,no-resolve";
      } else if (io.sidestep.core.net.IpLiterals.isIpv6Literal(host)) {
        rule = "IP-CIDR6," + host + "/128,RELAY,no-resolve";
      } else {
        rule = "DOMAIN," + host + ",RELAY";
      }
      return rule
          + " # "
          + evidence.fileSummary()
          + "; learned="
          + evidence.time().truncatedTo(ChronoUnit.SECONDS)
          + "; expires="
          + expires.truncatedTo(ChronoUnit.SECONDS);
    }

    /** Parses one line of the file; empty for comments, blank lines and lines of another form. */
    public static Optional<Entry> parse(String line) {
      int hash = line.indexOf(" # ");
      if (hash < 0 || line.startsWith("#")) {
        return Optional.empty();
      }
      String[] rule = line.substring(0, hash).trim().split(",");
      if (rule.length < 3 || !rule[2].trim().equalsIgnoreCase("RELAY")) {
        return Optional.empty();
      }
      String type = rule[0].trim().toUpperCase(java.util.Locale.ROOT);
      String value = rule[1].trim();
      String host;
      if (type.equals("DOMAIN")) {
        host = value;
      } else if ((type.equals("IP-CIDR") && value.endsWith("/32"))
          || (type.equals("IP-CIDR6") && value.endsWith("/128"))) {
        host = value.substring(0, value.lastIndexOf('/'));
      } else {
        return Optional.empty();
      }
      Map<String, String> fields = new LinkedHashMap<>();
      for (String f : line.substring(hash + 3).split("; ")) {
        int eq = f.indexOf('=');
        if (eq > 0) {
          fields.put(f.substring(0, eq).trim(), f.substring(eq + 1).trim());
        }
      }
      try {
        String t = fields.get("technique");
        String e = fields.get("evidence");
        String learned = fields.get("learned");
        String expires = fields.get("expires");
        if (t == null || e == null || learned == null || expires == null) {
          return Optional.empty();
        }
        Technique technique = Technique.parse(t.split(" ")[0]);
        return Optional.of(
            new Entry(
                host, new Evidence(technique, e, Instant.parse(learned)), Instant.parse(expires)));
      } catch (IllegalArgumentException | DateTimeParseException ex) {
        return Optional.empty();
      }
    }
  }

  private final Path dir;
  private final Path file;
  private final Duration ttl;
  private final int max;
  private final Clock clock;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** A store in {@code stateDir} with the defaults. */
  public LearnedStore(Path stateDir, Clock clock) {
    this(stateDir, DEFAULT_TTL, DEFAULT_MAX, clock);
  }

  public LearnedStore(Path stateDir, Duration ttl, int max, Clock clock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl: " + ttl + " (expected: > 0)");
    }
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.dir = stateDir.toAbsolutePath();
    this.file = dir.resolve(FILE_NAME);
    this.ttl = ttl;
    this.max = max;
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public Path file() {
    return file;
  }

  public Duration ttl() {
    return ttl;
  }

  /** Runs {@code listener} after every change this store writes (e.g. to reload the router). */
  public void onChange(Runnable listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** Every entry in the file now, in file order. */
  public synchronized List<Entry> entries() {
    return List.copyOf(read().entries.values());
  }

  public synchronized Optional<Entry> find(String host) {
    return Optional.ofNullable(read().entries.get(Destination.normalise(host)));
  }

  /** Entries whose expiry has come: to be checked direct again. */
  public synchronized List<Entry> dueForRecheck() {
    Instant now = clock.instant();
    return read().entries.values().stream().filter(e -> e.expired(now)).toList();
  }

  /**
   * Learns {@code host} with {@code evidence}, or replaces its entry; expires after the TTL from
   * now.
   */
  public synchronized Entry learn(String host, Evidence evidence) {
    Entry entry = new Entry(host, evidence, clock.instant().plus(ttl));
    Snapshot s = read();
    s.entries.remove(entry.host()); // a re-learned host moves to the end
    s.entries.put(entry.host(), entry);
    trim(s);
    write(s);
    return entry;
  }

  /** The host is still blocked: new evidence, a new expiry. Same as {@link #learn}. */
  public Entry renew(String host, Evidence evidence) {
    return learn(host, evidence);
  }

  /** Drops the host's entry; false if it had none. */
  public synchronized boolean forget(String host) {
    Snapshot s = read();
    if (s.entries.remove(Destination.normalise(host)) == null) {
      return false;
    }
    write(s);
    return true;
  }

  private void trim(Snapshot s) {
    if (s.entries.size() <= max) {
      return;
    }
    List<Entry> byAge = new ArrayList<>(s.entries.values());
    byAge.sort(Comparator.comparing(Entry::learned));
    for (int i = 0; s.entries.size() > max; i++) {
      s.entries.remove(byAge.get(i).host());
    }
  }

  // ---- file ---------------------------------------------------------------------------------

  private static final class Snapshot {
    final List<String> foreign = new ArrayList<>();
    final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  }

  private Snapshot read() {
    Snapshot s = new Snapshot();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("learned blocklist: cannot read " + file, e);
    }
    boolean header = true;
    for (String line : lines) {
      String t = line.strip();
      if (header && (t.isEmpty() || t.startsWith("#"))) {
        continue; // the leading comment block is ours and rewritten every time
      }
      header = false;
      if (t.isEmpty()) {
        continue;
      }
      Optional<Entry> e = Entry.parse(t);
      if (e.isPresent()) {
        s.entries.remove(e.get().host());
        s.entries.put(e.get().host(), e.get());
      } else {
        s.foreign.add(line);
      }
    }
    return s;
  }

  private void write(Snapshot s) {
    StringBuilder b = new StringBuilder();
    HEADER.forEach(h -> b.append(h).append('\n'));
    b.append('\n');
    s.foreign.forEach(f -> b.append(f).append('\n'));
    s.entries.values().forEach(e -> b.append(e.line()).append('\n'));
    byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      forceDirectory();
    } catch (IOException e) {
      throw new UncheckedIOException("learned blocklist: cannot write " + file, e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that error is the one to report
        }
      }
    }
    for (Runnable r : listeners) {
      r.run();
    }
  }

  /** Forces the rename itself to disk; folders cannot be opened this way on every system. */
  private void forceDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Windows cannot open a folder as a channel; the rename is still atomic there.
    }
  }
}
