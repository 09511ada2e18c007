package io.sidestep.core.rules;

import io.sidestep.core.files.FileWatcher;
import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.internal.RuleIndex;
import io.sidestep.core.rules.internal.RulesFiles;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules a running client uses: {@link Rules} that follow edits to the rules file, to every list
 * it includes, and to the learned file, without a restart.
 *
 * <p>A daemon thread looks at the files' modification times and sizes every second (by default).
 * When something changed, the changed part (the user's rules with their lists, or the learned file)
 * is read again and the new {@link Rules} replaces the old in one step, so each decision sees
 * either the old rules or the new, never a mix. A bad edit of the rules file keeps the old rules in
 * force and logs the {@code FILE:LINE:COL} error once; fixing the file picks it up.
 *
 * <p>A host detection has just learned ({@link #learned}) is routed to the relay at once, as its
 * learned entry would route it, until the re-read learned file has that entry (or it expires).
 */
public final class LiveRules implements Router, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LiveRules.class);

  /** How often files are checked for changes unless told otherwise: 1 second. */
  public static final Duration DEFAULT_POLL = Duration.ofSeconds(1);

  private final Path rulesFile;
  private final Path learnedFile;
  private final Clock clock;
  private final ListCache cache;
  private final Object lock = new Object();
  // Hosts learned since the learned file was last read, by normalised host.
  private final Map<String, JustLearned> justLearned = new ConcurrentHashMap<>();
  private final ScheduledExecutorService watcher;
  private volatile Rules current;
  private volatile Optional<Network> network = Optional.empty();
  private volatile RulesException problem;
  private volatile Instant userLoaded;
  private volatile List<Path> userFilesRead = List.of();
  // Guarded by lock.
  private final FileWatcher userFiles;
  private final FileWatcher learnedFiles;

  private LiveRules(Path rulesFile, Path learnedFile, ListCache cache, Clock clock, Duration poll) {
    this.cache = cache;
    this.rulesFile = rulesFile;
    this.learnedFile = learnedFile;
    this.clock = clock;
    Set<Path> files = new LinkedHashSet<>();
    if (rulesFile != null) {
      files.add(rulesFile);
    }
    userFiles = new FileWatcher(files);
    learnedFiles = new FileWatcher(learnedFile == null ? List.of() : List.of(learnedFile));
    List<String> warnings = new ArrayList<>();
    List<RemoteList> remotes = new ArrayList<>();
    RuleIndex user = Rules.loadUser(rulesFile, cache, files, warnings, remotes);
    List<String> learnedWarnings = new ArrayList<>();
    RuleIndex learned = Rules.loadLearned(learnedFile, learnedWarnings, network);
    current = new Rules(user, warnings, learned, learnedWarnings, clock, remotes);
    userLoaded = clock.instant();
    userFilesRead = List.copyOf(files);
    userFiles.watch(files);
    log.info(
        "rules: {} rules, {} entries from {}; {} learned entries from {}",
        user.ruleCount(),
        user.entryCount(),
        rulesFile,
        learned.entryCount(),
        learnedFile);
    if (poll.isZero() || poll.isNegative()) {
      watcher = null;
    } else {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "sidestep-rules-watch");
                t.setDaemon(true);
                return t;
              });
      long ms = Math.max(1, poll.toMillis());
      watcher.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Loads the rules and starts watching them, checking for changes every {@link #DEFAULT_POLL}.
   *
   * @param rulesFile the user's rules file; null for none
   * @param learnedFile the learned blocklist ({@code STATE/learned.rules}); null for none; it need
   *     not exist yet
   * @throws RulesException when the rules file or one of its lists is bad; the message is the
   *     {@code FILE:LINE:COL: …} text to show the user
   */
  public static LiveRules load(Path rulesFile, Path learnedFile) {
    return load(rulesFile, learnedFile, DEFAULT_POLL, Clock.systemUTC());
  }

  /**
   * As {@link #load(Path, Path)}, checking every {@code poll} (zero: never, only {@link
   * #reloadNow()}) and judging learned expiry by {@code clock}.
   */
  public static LiveRules load(Path rulesFile, Path learnedFile, Duration poll, Clock clock) {
    return new LiveRules(rulesFile, learnedFile, null, clock, poll);
  }

  /**
   * As {@link #load(Path, Path, Duration, Clock)}, with lists named by URL as {@code cache} holds
   * them; a new copy stored there is picked up as an edited list file is.
   */
  public static LiveRules load(
      Path rulesFile, Path learnedFile, ListCache cache, Duration poll, Clock clock) {
    return new LiveRules(rulesFile, learnedFile, cache, clock, poll);
  }

  /** The rules in force now. */
  public Rules current() {
    return current;
  }

  /**
   * Why the rules file as last read is not in force (the previous rules are); empty when the last
   * read succeeded.
   */
  public Optional<RulesException> problem() {
    return Optional.ofNullable(problem);
  }

  @Override
  public Decision decide(Destination destination) {
    Decision d = current.decide(destination);
    if (d.action() != Action.AUTO || justLearned.isEmpty()) {
      return d;
    }
    // Where a learned entry would apply, so does one learned a moment ago.
    JustLearned j = justLearned.get(destination.host());
    if (j == null) {
      return d;
    }
    if (!j.expires().isAfter(clock.instant())) {
      justLearned.remove(destination.host(), j);
      return d;
    }
    return j.decision();
  }

  /**
   * Routes {@code host} (any port) through the relay from now on, as the learned entry detection is
   * about to write for it would, without waiting for the file. Cheap and safe to call on an event
   * loop.
   *
   * @param evidence what detection saw, for the decision's reason
   * @param expires when the entry stops applying
   */
  public void learned(String host, String evidence, Instant expires) {
    justLearned.put(
        Destination.normalise(host),
        new JustLearned(new Decision(Action.RELAY, "learned: just now: " + evidence), expires));
  }

  private record JustLearned(Decision decision, Instant expires) {}

  @Override
  public Decision decideResolved(
      Destination destination, List<InetAddress> addresses, Decision byName) {
    return current.decideResolved(destination, addresses, byName);
  }

  /**
   * Reads every file again now, changed or not. The learned file is always taken; a bad rules file
   * keeps the old user rules in force.
   *
   * @throws RulesException when the rules file or a list is bad (the old rules stay in force)
   */
  public void reloadNow() {
    synchronized (lock) {
      reloadLearnedLocked();
      RulesException bad = reloadUser();
      if (bad != null) {
        throw bad;
      }
    }
  }

  /**
   * Reads the learned file again now; never throws (a bad learned line is skipped with a warning).
   * Suits a change listener of the store that writes the file, so a newly learned host applies at
   * once rather than at the next poll.
   */
  public void reloadLearned() {
    synchronized (lock) {
      reloadLearnedLocked();
    }
  }

  /**
   * Applies the learned entries of {@code now} from here on (see {@link Rules#load(Path, Path,
   * Optional, Clock)}): the learned file's part is read again, and hosts learned a moment ago on
   * the network before no longer apply. Empty: a network that cannot be told, where every entry
   * applies. Until called, every entry applies.
   */
  public void useNetwork(Optional<Network> now) {
    synchronized (lock) {
      if (now.equals(network)) {
        return;
      }
      network = now;
      justLearned.clear();
      reloadLearnedLocked();
      log.info(
          "rules: {} learned entries apply on network {}",
          current.learnedCount(),
          now.map(Network::toString).orElse("unknown (all entries apply)"));
    }
  }

  /** The network whose learned entries apply; empty when every entry applies. */
  public Optional<Network> network() {
    return network;
  }

  /**
   * Reads files that changed once they have stood still for one look. An editor may truncate a file
   * and then write it: read in between, a half-written rules file is still valid rules (an empty
   * one is), and would become "the previous rules" kept when the finished edit turns out bad. The
   * watcher calls this every poll interval; package-private for tests.
   */
  void poll() {
    try {
      synchronized (lock) {
        if (learnedFiles.settled()) {
          reloadLearnedLocked();
        }
        if (userFiles.settled()) {
          RulesException bad = reloadUser();
          if (bad != null) {
            log.error("{}; keeping the previous rules", bad.getMessage());
          }
        }
      }
    } catch (RuntimeException e) {
      // Keep watching whatever happens; one failed look must not stop live reload for good.
      log.error("rules: reload failed: {}", e.toString());
    }
  }

  private void reloadLearnedLocked() {
    if (learnedFile == null) {
      return;
    }
    learnedFiles.changed(); // taken as seen before reading: an edit while reading shows next time
    List<String> warnings = new ArrayList<>();
    RuleIndex learned = Rules.loadLearned(learnedFile, warnings, network);
    current = current.withLearned(learned, warnings);
    justLearned.keySet().removeIf(current::learnedHas);
    log.debug("rules: {} learned entries from {}", learned.entryCount(), learnedFile);
  }

  /** Returns the error when the rules file is bad (and the old rules stay), else null. */
  private RulesException reloadUser() {
    if (rulesFile == null) {
      return null;
    }
    userFiles.changed(); // taken as seen before reading: an edit while reading shows next time
    Set<Path> files = new LinkedHashSet<>();
    try {
      List<String> warnings = new ArrayList<>();
      List<RemoteList> remotes = new ArrayList<>();
      RuleIndex user = Rules.loadUser(rulesFile, cache, files, warnings, remotes);
      current = current.withUser(user, warnings, remotes);
      userLoaded = clock.instant();
      userFilesRead = List.copyOf(files);
      userFiles.watch(files);
      problem = null;
      log.info(
          "rules: reloaded {}: {} rules, {} entries",
          rulesFile,
          user.ruleCount(),
          user.entryCount());
      return null;
    } catch (RulesException e) {
      // Also watch what the bad version named (a list that does not exist yet, say).
      Set<Path> union = new LinkedHashSet<>(userFiles.files());
      union.addAll(files);
      userFiles.watch(union);
      problem = e;
      return e;
    }
  }

  /** The user's rules file; empty when there is none. */
  public Optional<Path> rulesFile() {
    return Optional.ofNullable(rulesFile);
  }

  /** The rules file and every list it includes, as last read successfully, in reading order. */
  public List<Path> userFiles() {
    return userFilesRead;
  }

  /** When the rules file and its lists were last read successfully. */
  public Instant userLoaded() {
    return userLoaded;
  }

  /**
   * Adds {@code DOMAIN,HOST,ACTION # COMMENT} (an {@code IP-CIDR} rule for an address, as a learned
   * entry names one) as the first line of the user's rules file, so that it wins over every other
   * line, and reads the rules again at once. The line is checked by the parser that reads the file
   * before the file is replaced (atomically).
   *
   * @throws IllegalStateException when there is no rules file
   * @throws IllegalArgumentException for a host that is no valid host name or address
   * @throws RulesException when the file, with the line added, is bad (the old rules stay)
   */
  public void addUserRule(String host, Action action, String comment) {
    if (rulesFile == null) {
      throw new IllegalStateException("rules: no rules file (expected: a client given --rules)");
    }
    String line = RulesFiles.userRuleLine(host, action, comment);
    synchronized (lock) {
      RulesFiles.prepend(rulesFile, line);
      RulesException bad = reloadUser();
      if (bad != null) {
        throw bad;
      }
    }
  }

  /** Stops watching; the rules in force stay usable. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }
}
