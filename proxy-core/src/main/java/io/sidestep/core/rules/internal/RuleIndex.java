package io.sidestep.core.rules.internal;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One rules file (or the learned file) compiled for matching; immutable once built.
 *
 * <p>Every line of the file is a <em>rule</em>; every pattern a rule contributes is an
 * <em>entry</em> (a plain rule has one entry, a RULE-SET has one per list line). Entries are
 * numbered in file order, so "first match wins" is "smallest matching entry number wins". Each kind
 * of pattern sits in its own index (hash by name, Aho-Corasick for keywords, a hash per prefix
 * length for address blocks), each index answers "the smallest matching entry above N", and the
 * answer is the minimum over the indexes. Regexes are run last and only while their entry number
 * could still beat the best found so far.
 */
public final class RuleIndex {
  private static final byte EXACT = 0;
  private static final byte SUFFIX = 1;
  private static final byte KEYWORD = 2;
  private static final byte REGEX = 3;
  private static final byte CIDR = 4;
  private static final byte PORT = 5;
  private static final byte MATCH = 6;
  private static final int REGEX_TAG = 1 << 30;
  private static final String[] KIND_NAMES = {
    "DOMAIN", "DOMAIN-SUFFIX", "DOMAIN-KEYWORD", "DOMAIN-REGEX", "IP-CIDR", "DST-PORT", "MATCH"
  };

  private final String file;
  private final String reasonPrefix;
  // per rule
  private final int[] ruleLine;
  private final String[] ruleText;
  private final Action[] ruleAction;
  private final long[] ruleExpires;
  private final String[] ruleList;
  private final HostSet[] ruleExceptions;
  private final int[] ruleLastEntry;
  // per entry
  private final int[] entryRule;
  private final int[] entryLine;
  private final byte[] entryKind;
  private final String[] entryValue;
  private final BitSet entryNoResolve;
  private final Decision[] decisions;
  // indexes
  private final HostTable hosts;

  /**
   * One automaton for keywords and for the literals regexes need, so the host is scanned once. A
   * keyword reports its entry number; a regex literal reports {@link #REGEX_TAG} plus the regex's
   * number, so in each (ascending) output list keywords come first and regexes after.
   */
  private final AhoCorasick literals;

  private final int keywordMin;
  private final String[] unicodeKeywords;
  private final int[] unicodeKeywordEntry;
  private final HostRegex[] regexes;
  private final int[] regexEntry;
  private final int[] unfilteredRegexes;
  private final int regexMin;
  private final IpTable ips;
  private final int[] anyEntry;
  private final int[] anyLow;
  private final int[] anyHigh;

  private RuleIndex(Builder b) {
    file = b.file;
    reasonPrefix = b.reasonPrefix;
    int rules = b.rules;
    ruleLine = Arrays.copyOf(b.ruleLine, rules);
    ruleText = Arrays.copyOf(b.ruleText, rules);
    ruleAction = Arrays.copyOf(b.ruleAction, rules);
    ruleExpires = b.anyExpiry ? Arrays.copyOf(b.ruleExpires, rules) : null;
    ruleList = b.anyList ? Arrays.copyOf(b.ruleList, rules) : null;
    ruleExceptions = b.anyExceptions ? Arrays.copyOf(b.ruleExceptions, rules) : null;
    ruleLastEntry = Arrays.copyOf(b.ruleLastEntry, rules);
    int entries = b.entries;
    entryRule = Arrays.copyOf(b.entryRule, entries);
    entryLine = Arrays.copyOf(b.entryLine, entries);
    entryKind = Arrays.copyOf(b.entryKind, entries);
    entryValue = Arrays.copyOf(b.entryValue, entries);
    entryNoResolve = b.noResolve;
    decisions = new Decision[entries];
    hosts = b.hosts;
    keywordMin = b.keywords.isEmpty() ? Ints.NONE : b.keywordEntries.get(0);
    unicodeKeywords = b.unicodeKeywords.toArray(new String[0]);
    unicodeKeywordEntry = b.unicodeKeywordEntries.toArray();
    regexes = b.regexes.toArray(new HostRegex[0]);
    regexEntry = b.regexEntries.toArray();
    regexMin = regexEntry.length == 0 ? Ints.NONE : regexEntry[0];
    List<String> patterns = new ArrayList<>(b.keywords);
    patterns.addAll(b.regexLiterals);
    int[] values = new int[patterns.size()];
    for (int i = 0; i < b.keywords.size(); i++) {
      values[i] = b.keywordEntries.get(i);
    }
    for (int i = 0; i < b.regexLiterals.size(); i++) {
      values[b.keywords.size() + i] = REGEX_TAG + b.regexLiteralIds.get(i);
    }
    checkAutomatonSize(b.file, patterns, b.keywords.size());
    literals = patterns.isEmpty() ? null : new AhoCorasick(patterns, values);
    unfilteredRegexes = b.unfilteredRegexes.toArray();
    ips = new IpTable(b.cidrs);
    anyEntry = b.anyEntries.toArray();
    anyLow = b.anyLow.toArray();
    anyHigh = b.anyHigh.toArray();
  }

  /** The most memory the keyword automaton may take, in bytes: 32 MB. */
  static final long MAX_AUTOMATON_BYTES = 32L << 20;

  /**
   * Refuses keyword sets whose dense automaton would not fit in {@link #MAX_AUTOMATON_BYTES}, with
   * a clear error instead of running out of memory. The bound counts one state per pattern
   * character, which is what patterns without shared prefixes need.
   */
  private static void checkAutomatonSize(String file, List<String> patterns, int keywords) {
    long states = 1;
    boolean[] seen = new boolean[128];
    int width = 1;
    for (String p : patterns) {
      states += p.length();
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        if (c < 128 && !seen[c]) {
          seen[c] = true;
          width++;
        }
      }
    }
    long bytes = states * width * (states <= Character.MAX_VALUE ? 2 : 4);
    if (bytes > MAX_AUTOMATON_BYTES) {
      throw new io.sidestep.core.rules.RulesException(
          file,
          0,
          0,
          keywords
              + " DOMAIN-KEYWORD entries are too many to match quickly in memory ("
              + (bytes >> 20)
              + " MB needed; expected: at most about 25,000 keywords, or use DOMAIN-SUFFIX)");
    }
  }

  /** Starts an index for the file shown as {@code file} in reasons. */
  public static Builder builder(String file, String reasonPrefix) {
    return new Builder(file, reasonPrefix);
  }

  public String file() {
    return file;
  }

  public int ruleCount() {
    return ruleLine.length;
  }

  public int entryCount() {
    return entryRule.length;
  }

  /**
   * The smallest entry above {@code after} that matches host name {@code host} (normalised) on
   * {@code port}, not counting IP rules; {@link Integer#MAX_VALUE} if none.
   */
  public int matchName(String host, int port, int after) {
    int best = hosts.lookup(host, after);
    best = firstPort(port, after, best);
    if (literals != null && (keywordMin < best || regexMin < best)) {
      best = scanLiterals(host, after, best);
    }
    if (unicodeKeywords.length > 0 && host.contains("xn--")) {
      String u = Names.unicode(host);
      for (int i = 0; i < unicodeKeywords.length; i++) {
        int e = unicodeKeywordEntry[i];
        if (e >= best) {
          break;
        }
        if (e > after && u.contains(unicodeKeywords[i])) {
          best = e;
          break;
        }
      }
    }
    for (int r : unfilteredRegexes) {
      int e = regexEntry[r];
      if (e >= best) {
        break;
      }
      if (e > after && regexes[r].matches(host)) {
        return e;
      }
    }
    return best;
  }

  /** One pass over the host for keywords and for the literals that filter regexes. */
  private int scanLiterals(String host, int after, int best) {
    AhoCorasick ac = literals;
    int s = 0;
    for (int i = 0; i < host.length(); i++) {
      s = ac.next(s, host.charAt(i));
      int[] found = ac.out(s);
      if (found == null) {
        continue;
      }
      int k = 0;
      // Keywords: the list is ascending, so the first one above `after` is this position's best.
      for (; k < found.length && found[k] < REGEX_TAG; k++) {
        int e = found[k];
        if (e > after) {
          if (e < best) {
            best = e;
          }
          break;
        }
      }
      while (k < found.length && found[k] < REGEX_TAG) {
        k++;
      }
      // Regexes whose literal is here: run them only while they could still win.
      for (; k < found.length; k++) {
        int r = found[k] - REGEX_TAG;
        int e = regexEntry[r];
        if (e >= best) {
          break;
        }
        if (e > after && regexes[r].matches(host)) {
          best = e;
          break;
        }
      }
    }
    return best;
  }

  private int firstPort(int port, int after, int best) {
    for (int i = 0; i < anyEntry.length; i++) {
      int e = anyEntry[i];
      if (e >= best) {
        break;
      }
      if (e > after && port >= anyLow[i] && port <= anyHigh[i]) {
        return e;
      }
    }
    return best;
  }

  /**
   * The smallest entry above {@code after} that matches an IP-literal destination: IP rules,
   * DST-PORT and MATCH.
   */
  public int matchAddress(InetAddress address, int port, int after) {
    int best = ips.lookup(address, after);
    return firstPort(port, after, best);
  }

  /**
   * The smallest IP entry above {@code after} and below {@code limit} that matches an address a
   * name resolved to, skipping {@code no-resolve} entries.
   */
  public int matchResolved(InetAddress address, int after, int limit) {
    int a = after;
    while (true) {
      int e = ips.lookup(address, a);
      if (e >= limit) {
        return Ints.NONE;
      }
      if (!entryNoResolve.get(e)) {
        return e;
      }
      a = e;
    }
  }

  public boolean hasIpRules() {
    return !ips.isEmpty();
  }

  /** The last entry of the rule that {@code entry} belongs to. */
  public int lastEntryOfRule(int entry) {
    return ruleLastEntry[entryRule[entry]];
  }

  /** When the rule of {@code entry} stops applying, in epoch milliseconds (MAX_VALUE: never). */
  public long expiresAt(int entry) {
    return ruleExpires == null ? Long.MAX_VALUE : ruleExpires[entryRule[entry]];
  }

  /** True when the list that {@code entry} came from excepts {@code host} with {@code @@}. */
  public boolean excepted(int entry, String host) {
    if (ruleExceptions == null) {
      return false;
    }
    HostSet ex = ruleExceptions[entryRule[entry]];
    return ex != null && ex.contains(host);
  }

  public Action action(int entry) {
    return ruleAction[entryRule[entry]];
  }

  /** The decision for an entry, with its reason; built once and cached. */
  public Decision decision(int entry) {
    Decision d = decisions[entry];
    if (d == null) {
      int r = entryRule[entry];
      StringBuilder reason = new StringBuilder(reasonPrefix);
      reason.append(file).append(':').append(ruleLine[r]).append(": ");
      if (ruleText[r] != null) {
        reason.append(ruleText[r]);
      } else {
        canonical(
            entryKind[entry], entryValue[entry], ruleAction[r], entryNoResolve.get(entry), reason);
      }
      if (ruleList != null && ruleList[r] != null) {
        reason
            .append(" (")
            .append(ruleList[r])
            .append(':')
            .append(entryLine[entry])
            .append(": ")
            .append(KIND_NAMES[entryKind[entry]]);
        if (entryKind[entry] != MATCH) {
          reason.append(' ').append(entryValue[entry]);
        }
        reason.append(')');
      }
      d = new Decision(ruleAction[r], reason.toString());
      // A benign race: two threads may build equal decisions.
      decisions[entry] = d;
    }
    return d;
  }

  /** Appends the canonical text of a plain rule: {@code TYPE,VALUE,ACTION[,no-resolve]}. */
  private static void canonical(
      byte kind, String value, Action action, boolean noResolve, StringBuilder out) {
    out.append(KIND_NAMES[kind]);
    if (kind != MATCH) {
      out.append(',').append(value);
    }
    out.append(',').append(action);
    if (noResolve) {
      out.append(",no-resolve");
    }
  }

  /** Collects a rules file's rules and entries in file order. Not thread-safe. */
  public static final class Builder {
    private final String file;
    private final String reasonPrefix;
    private int rules;
    private int[] ruleLine = new int[16];
    private String[] ruleText = new String[16];
    private Action[] ruleAction = new Action[16];
    private long[] ruleExpires = new long[16];
    private String[] ruleList = new String[16];
    private HostSet[] ruleExceptions = new HostSet[16];
    private boolean anyExceptions;
    private int[] ruleLastEntry = new int[16];
    private int entries;
    private int[] entryRule = new int[16];
    private int[] entryLine = new int[16];
    private byte[] entryKind = new byte[16];
    private String[] entryValue = new String[16];
    private final BitSet noResolve = new BitSet();
    private final HostTable hosts = new HostTable();
    private boolean anyExpiry;
    private boolean anyList;
    private final List<String> keywords = new ArrayList<>();
    private final IntList keywordEntries = new IntList();
    private final List<String> unicodeKeywords = new ArrayList<>();
    private final IntList unicodeKeywordEntries = new IntList();
    private final List<HostRegex> regexes = new ArrayList<>();
    private final IntList regexEntries = new IntList();
    private final List<String> regexLiterals = new ArrayList<>();
    private final IntList regexLiteralIds = new IntList();
    private final IntList unfilteredRegexes = new IntList();
    private final Map<Cidr, int[]> cidrs = new LinkedHashMap<>();
    private final IntList anyEntries = new IntList();
    private final IntList anyLow = new IntList();
    private final IntList anyHigh = new IntList();

    private Builder(String file, String reasonPrefix) {
      this.file = file;
      this.reasonPrefix = reasonPrefix;
    }

    /**
     * Starts a rule; the entries added until the next call belong to it.
     *
     * @param list the list's name for a RULE-SET, else null
     * @param expiresAt epoch milliseconds after which the rule no longer applies
     */
    public void rule(int line, String text, Action action, String list, long expiresAt) {
      if (rules == ruleLine.length) {
        int n = rules * 2;
        ruleLine = Arrays.copyOf(ruleLine, n);
        ruleText = Arrays.copyOf(ruleText, n);
        ruleAction = Arrays.copyOf(ruleAction, n);
        ruleExpires = Arrays.copyOf(ruleExpires, n);
        ruleList = Arrays.copyOf(ruleList, n);
        ruleExceptions = Arrays.copyOf(ruleExceptions, n);
        ruleLastEntry = Arrays.copyOf(ruleLastEntry, n);
      }
      ruleLine[rules] = line;
      ruleText[rules] = text;
      anyExpiry |= expiresAt != Long.MAX_VALUE;
      anyList |= list != null;
      ruleAction[rules] = action;
      ruleExpires[rules] = expiresAt;
      ruleList[rules] = list;
      ruleLastEntry[rules] = entries - 1;
      rules++;
    }

    private int entry(int line, byte kind, String value) {
      if (rules == 0) {
        throw new IllegalStateException("entry before rule");
      }
      if (entries == entryRule.length) {
        int n = entries * 2;
        entryRule = Arrays.copyOf(entryRule, n);
        entryLine = Arrays.copyOf(entryLine, n);
        entryKind = Arrays.copyOf(entryKind, n);
        entryValue = Arrays.copyOf(entryValue, n);
      }
      int e = entries++;
      entryRule[e] = rules - 1;
      entryLine[e] = line;
      entryKind[e] = kind;
      entryValue[e] = value;
      ruleLastEntry[rules - 1] = e;
      return e;
    }

    /** A DOMAIN entry; {@code host} is normalised. */
    public void exact(String host, int line) {
      hosts.addExact(host, entry(line, EXACT, host));
    }

    /** A DOMAIN-SUFFIX entry; {@code name} is normalised. */
    public void suffix(String name, int line) {
      hosts.addSuffix(name, entry(line, SUFFIX, name));
    }

    /** A DOMAIN-KEYWORD entry; {@code keyword} is lower case. */
    public void keyword(String keyword, int line) {
      int e = entry(line, KEYWORD, keyword);
      if (Names.isAscii(keyword)) {
        keywords.add(keyword);
        keywordEntries.add(e);
      } else {
        unicodeKeywords.add(keyword);
        unicodeKeywordEntries.add(e);
      }
    }

    /** A regex entry; {@code url} for a gfwlist regex written against URLs. */
    public void regex(java.util.regex.Pattern pattern, boolean url, int line) {
      int e = entry(line, REGEX, pattern.pattern());
      HostRegex r = new HostRegex(pattern, url, !Names.isAscii(pattern.pattern()));
      int id = regexes.size();
      regexes.add(r);
      regexEntries.add(e);
      String literal = r.unicode() ? null : RegexLiterals.required(pattern.pattern(), 3, url);
      if (literal == null) {
        unfilteredRegexes.add(id);
      } else {
        regexLiterals.add(literal);
        regexLiteralIds.add(id);
      }
    }

    /** An IP-CIDR or IP-CIDR6 entry. */
    public void cidr(Cidr block, boolean skipForNames, int line) {
      int e = entry(line, CIDR, block.toString());
      cidrs.merge(block, new int[] {e}, Ints::union);
      if (skipForNames) {
        noResolve.set(e);
      }
    }

    /** A DST-PORT entry for ports {@code low} to {@code high}. */
    public void port(int low, int high, int line) {
      int e = entry(line, PORT, low == high ? Integer.toString(low) : low + "-" + high);
      anyEntries.add(e);
      anyLow.add(low);
      anyHigh.add(high);
    }

    /** A MATCH entry: every destination. */
    public void match(int line) {
      int e = entry(line, MATCH, "");
      anyEntries.add(e);
      anyLow.add(0);
      anyHigh.add(65535);
    }

    /**
     * Forgets the current rule's text when it is exactly the canonical form of its one entry
     * ({@code TYPE,VALUE,ACTION[,no-resolve]}), which reasons rebuild on demand: most lines of a
     * big rules file are canonical, and their text would otherwise be kept twice.
     */
    public void dropTextIfCanonical() {
      int r = rules - 1;
      int e = entries - 1;
      String t = ruleText[r];
      if (t == null || e < 0 || entryRule[e] != r || ruleLastEntry[r] != e) {
        return;
      }
      StringBuilder canonical = new StringBuilder(t.length());
      canonical(entryKind[e], entryValue[e], ruleAction[r], noResolve.get(e), canonical);
      if (t.contentEquals(canonical)) {
        ruleText[r] = null;
      }
    }

    /** The exceptions of the current rule (a list's {@code @@} lines), created on first use. */
    public HostSet exceptions() {
      HostSet s = ruleExceptions[rules - 1];
      if (s == null) {
        s = new HostSet();
        ruleExceptions[rules - 1] = s;
        anyExceptions = true;
      }
      return s;
    }

    /** Entries added so far. */
    public int entries() {
      return entries;
    }

    public RuleIndex build() {
      return new RuleIndex(this);
    }
  }
}
