package io.sidestep.core.rules;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.internal.RuleIndex;
import io.sidestep.core.rules.internal.RulesFiles;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One consistent set of rules: the user's rules file with its lists, then the learned blocklist,
 * then {@link Action#AUTO}. Immutable and thread-safe; {@link LiveRules} swaps in a new one when a
 * file changes.
 *
 * <p>Precedence: the first matching line of the user's file wins. The learned file is consulted
 * only when no user line matched, or when the user line that matched says AUTO ("let detection
 * decide": the learned file is detection's memory). A learned entry whose {@code expires=} has
 * passed is ignored, and so is one learned on another network than the one the rules were loaded
 * for (unless its host was learned on two or more networks). Domain rules never apply to an
 * IP-literal destination, and IP rules apply to a name only through {@link #decideResolved}.
 */
public final class Rules implements Router {
  private static final int NONE = Integer.MAX_VALUE;

  private final RuleIndex user;
  private final List<String> userWarnings;
  private final RuleIndex learned;
  private final List<String> learnedWarnings;
  private final Clock clock;
  private final List<RemoteList> remoteLists;

  Rules(
      RuleIndex user,
      List<String> userWarnings,
      RuleIndex learned,
      List<String> learnedWarnings,
      Clock clock) {
    this(user, userWarnings, learned, learnedWarnings, clock, List.of());
  }

  Rules(
      RuleIndex user,
      List<String> userWarnings,
      RuleIndex learned,
      List<String> learnedWarnings,
      Clock clock,
      List<RemoteList> remoteLists) {
    this.remoteLists = List.copyOf(remoteLists);
    this.user = user;
    this.userWarnings = List.copyOf(userWarnings);
    this.learned = learned;
    this.learnedWarnings = List.copyOf(learnedWarnings);
    this.clock = clock;
  }

  /**
   * Loads the rules file and the learned file once, with the system clock.
   *
   * @param rulesFile the user's rules file; null for none
   * @param learnedFile the learned blocklist; null for none, and a missing file is empty
   * @throws RulesException when the rules file or a list it includes is bad; the message is {@code
   *     FILE:LINE:COL: …}
   */
  public static Rules load(Path rulesFile, Path learnedFile) {
    return load(rulesFile, learnedFile, Clock.systemUTC());
  }

  /** As {@link #load(Path, Path)}, judging learned expiry by {@code clock}. */
  public static Rules load(Path rulesFile, Path learnedFile, Clock clock) {
    return load(rulesFile, learnedFile, null, Optional.empty(), clock);
  }

  /**
   * As {@link #load(Path, Path)}, with the lists named by URL as {@code cache} holds them (null: no
   * copies, so such rules match nothing).
   */
  public static Rules load(Path rulesFile, Path learnedFile, ListCache cache) {
    return load(rulesFile, learnedFile, cache, Optional.empty(), Clock.systemUTC());
  }

  /**
   * As {@link #load(Path, Path, Clock)}, with the learned entries that apply on {@code network}
   * (see {@link #load(Path, Path, ListCache, Optional, Clock)}).
   */
  public static Rules load(
      Path rulesFile, Path learnedFile, Optional<Network> network, Clock clock) {
    return load(rulesFile, learnedFile, null, network, clock);
  }

  /**
   * As {@link #load(Path, Path, Clock)}, with the lists named by URL as {@code cache} holds them
   * (null: no copies), and the learned entries that apply on {@code network}: those learned there,
   * those of any network, and those of a host learned on two or more networks. Empty (a network
   * that cannot be told): every learned entry.
   */
  public static Rules load(
      Path rulesFile, Path learnedFile, ListCache cache, Optional<Network> network, Clock clock) {
    List<String> warnings = new ArrayList<>();
    List<RemoteList> remotes = new ArrayList<>();
    RuleIndex u = loadUser(rulesFile, cache, new LinkedHashSet<>(), warnings, remotes);
    List<String> lw = new ArrayList<>();
    RuleIndex l = loadLearned(learnedFile, lw, network);
    return new Rules(u, warnings, l, lw, clock, remotes);
  }

  /** No rules at all: everything is AUTO. */
  public static Rules empty() {
    return new Rules(
        RuleIndex.builder("none", "").build(),
        List.of(),
        RuleIndex.builder("none", "").build(),
        List.of(),
        Clock.systemUTC());
  }

  static RuleIndex loadUser(
      Path rulesFile,
      ListCache cache,
      Set<Path> files,
      List<String> warnings,
      List<RemoteList> remotes) {
    return rulesFile == null
        ? RuleIndex.builder("none", "").build()
        : RulesFiles.user(rulesFile, cache, files, warnings, remotes);
  }

  static RuleIndex loadLearned(Path learnedFile, List<String> warnings, Optional<Network> network) {
    return learnedFile == null
        ? RuleIndex.builder("none", "learned: ").build()
        : RulesFiles.learned(learnedFile, warnings, network.map(Network::id).orElse(null));
  }

  Rules withUser(RuleIndex u, List<String> warnings, List<RemoteList> remotes) {
    return new Rules(u, warnings, learned, learnedWarnings, clock, remotes);
  }

  Rules withLearned(RuleIndex l, List<String> warnings) {
    return new Rules(user, userWarnings, l, warnings, clock, remoteLists);
  }

  /** The lists the rules file names by URL ({@code RULE-SET,https://…}), in file order. */
  public List<RemoteList> remoteLists() {
    return remoteLists;
  }

  /** What was skipped while loading (list lines Sidestep cannot use, bad learned lines). */
  public List<String> warnings() {
    List<String> all = new ArrayList<>(userWarnings);
    all.addAll(learnedWarnings);
    return all;
  }

  /** Lines of the user's file that are rules (comments and blank lines not counted). */
  public int ruleCount() {
    return user.ruleCount();
  }

  /** Entries of the user's rules: one per plain rule, one per usable list line. */
  public int entryCount() {
    return user.entryCount();
  }

  /** Entries of the learned file, expired ones included. */
  public int learnedCount() {
    return learned.entryCount();
  }

  @Override
  public Decision decide(Destination destination) {
    String host = destination.host();
    InetAddress address = destination.isIpLiteral() ? IpLiterals.parse(host) : null;
    int port = destination.port();
    int u = first(user, host, address, port);
    if (u != NONE) {
      Decision d = user.decision(u);
      if (d.action() != Action.AUTO) {
        return d;
      }
      int l = first(learned, host, address, port);
      return l == NONE ? d : learned.decision(l);
    }
    int l = first(learned, host, address, port);
    return l == NONE ? Decision.auto() : learned.decision(l);
  }

  /**
   * Applies IP rules to the addresses a name resolved to for a direct connection: an IP rule
   * (without {@code no-resolve}) that comes before the rule that decided by name wins. Among
   * several addresses, the earliest rule matching any of them wins. Returns {@code byName} for an
   * IP literal, for RELAY, NEVER-DIRECT and REJECT (which never resolve), and when no IP rule
   * applies.
   */
  @Override
  public Decision decideResolved(
      Destination destination, List<InetAddress> addresses, Decision byName) {
    if (destination.isIpLiteral()
        || byName.action() == Action.RELAY
        || byName.action() == Action.NEVER_DIRECT
        || byName.action() == Action.REJECT
        || addresses.isEmpty()) {
      return byName;
    }
    String host = destination.host();
    int port = destination.port();
    int byNameUser = first(user, host, null, port);
    int e = firstResolved(user, host, addresses, byNameUser);
    if (e != NONE) {
      return user.decision(e);
    }
    if (byNameUser != NONE && user.action(byNameUser) != Action.AUTO) {
      return byName;
    }
    int byNameLearned = first(learned, host, null, port);
    e = firstResolved(learned, host, addresses, byNameLearned);
    return e != NONE ? learned.decision(e) : byName;
  }

  /** Whether the learned file has a usable entry for {@code host} on any port. */
  boolean learnedHas(String host) {
    InetAddress address = IpLiterals.isIpLiteral(host) ? IpLiterals.parse(host) : null;
    return first(learned, host, address, 443) != NONE;
  }

  /** The first usable entry of {@code index} for a destination, skipping expired and excepted. */
  private int first(RuleIndex index, String host, InetAddress address, int port) {
    int after = -1;
    while (true) {
      int e =
          address != null
              ? index.matchAddress(address, port, after)
              : index.matchName(host, port, after);
      if (e == NONE) {
        return NONE;
      }
      if (!usable(index, e, host)) {
        after = index.lastEntryOfRule(e);
        continue;
      }
      return e;
    }
  }

  private int firstResolved(RuleIndex index, String host, List<InetAddress> addresses, int limit) {
    if (!index.hasIpRules()) {
      return NONE;
    }
    int best = NONE;
    for (InetAddress a : addresses) {
      int after = -1;
      while (true) {
        int e = index.matchResolved(a, after, Math.min(limit, best));
        if (e == NONE) {
          break;
        }
        if (usable(index, e, host)) {
          best = e;
          break;
        }
        after = index.lastEntryOfRule(e);
      }
    }
    return best;
  }

  private boolean usable(RuleIndex index, int e, String host) {
    long expires = index.expiresAt(e);
    if (expires != Long.MAX_VALUE && expires <= clock.millis()) {
      return false;
    }
    return !index.excepted(e, host);
  }
}
