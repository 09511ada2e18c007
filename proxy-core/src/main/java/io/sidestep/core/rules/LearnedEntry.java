package io.sidestep.core.rules;

import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.internal.LineError;
import io.sidestep.core.rules.internal.RuleLine;
import io.sidestep.core.rules.internal.RulesFiles;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * One line of the learned blocklist ({@code STATE/learned.rules}), the one place its form is
 * written and read: a rule in the rules-file syntax with the evidence in a trailing comment of
 * {@code key=value} fields separated by {@code ; }:
 *
 * <pre>
 * DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms after ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z
 * </pre>
 *
 * An IP-literal host is written as {@code IP-CIDR,ADDR/32,ACTION,no-resolve} (or {@code
 * IP-CIDR6,ADDR/128,…}). An entry learned on a known network ends with {@code network=ID;
 * network-name=LABEL} (see {@link Network}) and applies on that network only; one without (older
 * files, a network that could not be told) applies on any network. Detection's store writes lines
 * made by {@link #of}; the store and the rules engine read them with {@link #parse} (the engine
 * through the same parser, line by line), which also takes any rule but {@code RULE-SET} that a
 * user added by hand. The router ignores an entry once its {@code expires=} has passed.
 *
 * @param rule the rule part, such as {@code DOMAIN,blocked.example,RELAY}
 * @param action the rule's action
 * @param host the one host the rule names ({@code DOMAIN}, or an address as {@code /32} or {@code
 *     /128}), normalised; null for a rule that names more than one
 * @param comment the evidence comment without the {@code #}; empty when there is none
 * @param expires when the entry stops applying; null when the comment gives no {@code expires=}
 */
public record LearnedEntry(
    String rule, Action action, String host, String comment, Instant expires) {

  public LearnedEntry {
    if (rule.contains("\n")
        || rule.contains("\r")
        || comment.contains("\n")
        || comment.contains("\r")) {
      throw new IllegalArgumentException("learned entry: line break (expected: one line)");
    }
  }

  /**
   * Parses a learned line.
   *
   * @throws IllegalArgumentException with {@code COL: message (expected: …)} for a bad line, or for
   *     a blank or comment line
   */
  public static LearnedEntry parse(String line) {
    RulesFiles.Learned l;
    try {
      l = RulesFiles.learnedLine(line);
    } catch (LineError e) {
      throw new IllegalArgumentException(e.column() + ": " + e.getMessage());
    }
    if (l == null) {
      throw new IllegalArgumentException("1: blank or comment line (expected: a learned entry)");
    }
    RuleLine rl = l.line();
    String comment = rl.comment() == null ? "" : rl.comment();
    Instant expires = l.expiresAt() == Long.MAX_VALUE ? null : Instant.ofEpochMilli(l.expiresAt());
    return new LearnedEntry(rl.text(), rl.action(), RulesFiles.host(rl), comment, expires);
  }

  /**
   * An entry for a host detection found blocked: {@code DOMAIN,HOST,ACTION} for a name, {@code
   * IP-CIDR,ADDRESS/32,ACTION,no-resolve} (or {@code IP-CIDR6,ADDRESS/128,…}) for an address, with
   * the comment {@code technique=…; evidence=…; learned=…; expires=…}, times to the second. Control
   * characters, {@code #} and {@code ;} in the texts are replaced so the line stays one parseable
   * line.
   *
   * @param host a host name or address; checked as {@link Destination#normalise} does
   * @param technique the technique's number and short name, such as {@code 8 tls-silence}
   * @throws IllegalArgumentException for a host that is not a valid host name or address
   */
  public static LearnedEntry of(
      String host,
      Action action,
      String technique,
      String evidence,
      Instant learned,
      Instant expires) {
    return of(host, action, technique, evidence, learned, expires, Optional.empty());
  }

  /**
   * As {@link #of(String, Action, String, String, Instant, Instant)}, learned on {@code network}:
   * the comment ends with {@code ; network=ID; network-name=LABEL}. Empty: any network.
   */
  public static LearnedEntry of(
      String host,
      Action action,
      String technique,
      String evidence,
      Instant learned,
      Instant expires,
      Optional<Network> network) {
    String h = Destination.normalise(host);
    String rule = RulesFiles.hostRule(h, action);
    Instant until = expires.truncatedTo(ChronoUnit.SECONDS);
    String comment =
        "technique=%s; evidence=%s; learned=%s; expires=%s"
                .formatted(
                    clean(technique),
                    clean(evidence),
                    learned.truncatedTo(ChronoUnit.SECONDS),
                    until)
            + network
                .map(n -> "; network=" + n.id() + "; network-name=" + clean(n.label()))
                .orElse("");
    return new LearnedEntry(rule, action, h, comment, until);
  }

  /** One line, no comment mark, no field separator; runs of spaces collapsed. */
  private static String clean(String s) {
    return oneLine(s).replace(';', ',');
  }

  /**
   * {@code s} on one line of a rules file: control characters and line breaks become spaces, runs
   * of spaces collapse, and {@code #} (the comment mark) becomes {@code no.}.
   */
  public static String oneLine(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)
          || Character.isWhitespace(c)
          || Character.getType(c) == Character.LINE_SEPARATOR
          || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
        if (b.length() > 0 && b.charAt(b.length() - 1) != ' ') {
          b.append(' ');
        }
      } else if (c == '#') {
        b.append("no.");
      } else {
        b.append(c);
      }
    }
    return b.toString().strip();
  }

  /** The value of {@code key=} in the comment, such as {@code technique} or {@code evidence}. */
  public Optional<String> field(String key) {
    return Optional.ofNullable(RulesFiles.field(comment, key));
  }

  /**
   * The network the entry was learned on ({@code network=} and {@code network-name=}); empty for an
   * entry of any network, and for a {@code network=} value that is no valid id.
   */
  public Optional<Network> network() {
    return RulesFiles.network(comment);
  }

  /** The line as written to the learned file (without a line break). */
  public String toLine() {
    return comment.isEmpty() ? rule : rule + " # " + comment;
  }
}
