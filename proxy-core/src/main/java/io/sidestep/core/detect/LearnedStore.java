package io.sidestep.core.detect;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.LearnedEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The learned blocklist, {@code STATE/learned.rules}: one entry per host and network, each a {@link
 * LearnedEntry} line (rules-file syntax with the evidence in a trailing comment). An entry names
 * the {@link Network} it was learned on; one without a network (written before networks were told
 * apart, or on a network that could not be told) is of any network. Learning a host on a network
 * replaces its entry of that network and its entry of any network.
 *
 * <p>The file is the truth: every change re-reads it first and merges, so a line the user deleted
 * stays deleted, and is then written whole with {@link AtomicFiles#write} (owner-only), so a {@code
 * kill -9} leaves either the old file or the new one. The read-merge-write holds a lock on {@code
 * learned.rules.lock} beside it, so two processes (a client and {@code probe --learn}, say) never
 * lose each other's entries; temporary files a killed writer left are removed when a store is made.
 * Lines it does not understand are kept as they are. Only valid host names and addresses are
 * learned ({@link io.sidestep.core.route.Destination#normalise}). Defaults: entries expire after 7
 * days; at most 10,000 entries, the oldest dropped first.
 *
 * <p>Thread-safe, and safe with other processes using the same file.
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
          "# after each entry gives the technique (its number and short name), what the direct",
          "# path and the relay saw, when, and when it expires. At expiry the host is checked",
          "# direct again: dropped if direct works, renewed if not. Delete a line to make the",
          "# client forget a host. Rules in your own rules file always come first.",
          "# An entry names the network it was learned on (network=, and network-name= with the",
          "# gateway and resolver) and applies on that network only, unless its host was learned",
          "# on two or more networks; one without network= applies on every network.");

  /**
   * One learned host; {@code evidence.time()} is when it was learned (or last renewed).
   *
   * @param network the network it was learned on; empty: any network
   */
  public record Entry(String host, Evidence evidence, Instant expires, Optional<Network> network) {
    public Entry {
      host = Destination.normalise(host);
      Objects.requireNonNull(evidence, "evidence");
      Objects.requireNonNull(expires, "expires");
      Objects.requireNonNull(network, "network");
    }

    /** An entry of any network. */
    public Entry(String host, Evidence evidence, Instant expires) {
      this(host, evidence, expires, Optional.empty());
    }

    /** Whether it was learned on {@code current} (an entry of any network is on every one). */
    public boolean on(Optional<Network> current) {
      return network.isEmpty() || current.isEmpty() || network.get().sameAs(current.get().id());
    }

    String key() {
      return LearnedStore.key(host, network);
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
      return LearnedEntry.of(
              host, Action.RELAY, technique().label(), evidence.text(), learned(), expires, network)
          .toLine();
    }

    /**
     * The store's entry on one line of the file: a one-host RELAY entry with its technique,
     * evidence, learned and expires fields; empty for anything else (comments, blank lines, other
     * rules).
     */
    public static Optional<Entry> parse(String line) {
      try {
        LearnedEntry l = LearnedEntry.parse(line);
        Optional<String> t = l.field("technique");
        Optional<String> e = l.field("evidence");
        Optional<String> learned = l.field("learned");
        if (l.host() == null
            || l.action() != Action.RELAY
            || l.expires() == null
            || t.isEmpty()
            || e.isEmpty()
            || learned.isEmpty()) {
          return Optional.empty();
        }
        Technique technique = Technique.parse(t.get().split(" ")[0]);
        return Optional.of(
            new Entry(
                l.host(),
                new Evidence(technique, e.get(), Instant.parse(learned.get())),
                l.expires(),
                l.network()));
      } catch (IllegalArgumentException | DateTimeParseException ex) {
        return Optional.empty();
      }
    }
  }

  static String key(String host, Optional<Network> network) {
    return host + " " + network.map(Network::id).orElse("*");
  }

  /** A change to the file: learn a host (or renew it), or forget one. */
  public sealed interface Change {
    String host();

    /**
     * Learns {@code host} with {@code evidence} on {@code network} (empty: any network), replacing
     * its entry of that network (also one made before the gateway's hardware address was known) and
     * its entry of any network; it expires after the store's TTL.
     */
    record Learn(String host, Evidence evidence, Optional<Network> network) implements Change {
      public Learn {
        host = Destination.normalise(host);
        Objects.requireNonNull(evidence, "evidence");
        Objects.requireNonNull(network, "network");
      }

      /** Learns it for any network. */
      public Learn(String host, Evidence evidence) {
        this(host, evidence, Optional.empty());
      }
    }

    /**
     * Drops the host's entries that apply on {@code network}: the one learned there and the one of
     * any network. Empty: every entry of the host.
     */
    record Forget(String host, Optional<Network> network) implements Change {
      public Forget {
        host = Destination.normalise(host);
        Objects.requireNonNull(network, "network");
      }

      /** Drops every entry of the host. */
      public Forget(String host) {
        this(host, Optional.empty());
      }

      /** Whether {@code e} is one it drops. */
      public boolean drops(Entry e) {
        return e.host().equals(host)
            && (network.isEmpty() || e.network().isEmpty() || e.on(network));
      }
    }
  }

  private final Path file;
  private final Path lockFile;
  private final Duration ttl;
  private final int max;
  private final Clock clock;

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
    Path dir = stateDir.toAbsolutePath();
    this.file = dir.resolve(FILE_NAME);
    this.lockFile = dir.resolve(FILE_NAME + ".lock");
    this.ttl = ttl;
    this.max = max;
    this.clock = Objects.requireNonNull(clock, "clock");
    if (Files.isDirectory(dir)) {
      try {
        AtomicFiles.locked(lockFile, () -> AtomicFiles.removeOrphans(file));
      } catch (UncheckedIOException e) {
        // A folder this user may only read (explain on another's state): nothing to clean.
      }
    }
  }

  public Path file() {
    return file;
  }

  /** Every entry in the file now, in file order. */
  public List<Entry> entries() {
    return List.copyOf(read().entries.values());
  }

  /** The host's first entry in the file, of whichever network. */
  public Optional<Entry> find(String host) {
    String h = Destination.normalise(host);
    return read().entries.values().stream().filter(e -> e.host().equals(h)).findFirst();
  }

  /** Every entry of the host, one per network it was learned on, in file order. */
  public List<Entry> entries(String host) {
    String h = Destination.normalise(host);
    return read().entries.values().stream().filter(e -> e.host().equals(h)).toList();
  }

  /**
   * Learns {@code host} with {@code evidence}, or replaces its entry; expires after the TTL from
   * now.
   *
   * @throws IllegalArgumentException when {@code host} is not a valid host name or address
   */
  public Entry learn(String host, Evidence evidence) {
    return learn(host, evidence, Optional.empty());
  }

  /**
   * Learns {@code host} on {@code network} (empty: any network), as {@link Change.Learn} says.
   *
   * @throws IllegalArgumentException when {@code host} is not a valid host name or address
   */
  public Entry learn(String host, Evidence evidence, Optional<Network> network) {
    Change.Learn learn = new Change.Learn(host, evidence, network);
    apply(List.of(learn));
    return new Entry(learn.host(), evidence, clock.instant().plus(ttl), network);
  }

  /** Drops every entry of the host; false if it had none. */
  public boolean forget(String host) {
    return forget(host, Optional.empty());
  }

  /** Drops the host's entries as {@link Change.Forget} says; false if it had none. */
  public boolean forget(String host, Optional<Network> network) {
    return !apply(List.of(new Change.Forget(host, network))).isEmpty();
  }

  /**
   * Makes {@code changes} in order with one read and one write of the file (none when nothing
   * changes).
   *
   * @return the changes that changed the file (a forget of a host without an entry does not)
   */
  public List<Change> apply(List<? extends Change> changes) {
    return AtomicFiles.locked(
        lockFile,
        () -> {
          Snapshot s = read();
          List<Change> done = new ArrayList<>();
          Instant expires = clock.instant().plus(ttl);
          for (Change c : changes) {
            if (c instanceof Change.Learn l) {
              // A re-learned host moves to the end; what it knew of any network is replaced.
              s.entries.remove(key(l.host(), l.network()));
              s.entries.remove(key(l.host(), Optional.empty()));
              // and what it knew of this network before its gateway's hardware address was known
              l.network()
                  .map(n -> n.id().indexOf('-'))
                  .filter(dash -> dash > 0)
                  .ifPresent(
                      dash ->
                          s.entries.remove(
                              l.host() + " " + l.network().get().id().substring(0, dash)));
              Entry e = new Entry(l.host(), l.evidence(), expires, l.network());
              s.entries.put(e.key(), e);
              done.add(c);
            } else if (c instanceof Change.Forget f && s.entries.values().removeIf(f::drops)) {
              done.add(c);
            }
          }
          trim(s);
          if (!done.isEmpty()) {
            write(s);
          }
          return done;
        });
  }

  private void trim(Snapshot s) {
    if (s.entries.size() <= max) {
      return;
    }
    List<Entry> byAge = new ArrayList<>(s.entries.values());
    byAge.sort(Comparator.comparing(Entry::learned));
    for (int i = 0; s.entries.size() > max; i++) {
      s.entries.remove(byAge.get(i).key());
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
        s.entries.remove(e.get().key());
        s.entries.put(e.get().key(), e.get());
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
    try {
      AtomicFiles.write(file, b.toString().getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException("learned blocklist: " + e.getMessage(), e.getCause());
    }
  }
}
