package io.sidestep.core.rules;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.internal.LineError;
import io.sidestep.core.rules.internal.RulesFiles;
import java.time.Instant;
import java.util.Optional;

/**
 * One line of the learned blocklist ({@code STATE/learned.rules}): a rule in the rules-file syntax
 * with the evidence in a trailing comment of {@code key=value} pairs separated by {@code ;}:
 *
 * <pre>
 * DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms after ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z
 * </pre>
 *
 * Detection writes these lines ({@link #of} and {@link #toLine}); the router reads them and ignores
 * an entry once its {@code expires=} has passed.
 *
 * @param rule the rule part, such as {@code DOMAIN,blocked.example,RELAY}
 * @param action the rule's action
 * @param comment the evidence comment without the {@code #}; empty when there is none
 * @param expires when the entry stops applying; null when the comment gives no {@code expires=}
 */
public record LearnedEntry(String rule, Action action, String comment, Instant expires) {

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
    String comment = l.line().comment() == null ? "" : l.line().comment();
    Instant expires = l.expiresAt() == Long.MAX_VALUE ? null : Instant.ofEpochMilli(l.expiresAt());
    return new LearnedEntry(l.line().text(), l.line().action(), comment, expires);
  }

  /**
   * An entry for a host detection found blocked: {@code DOMAIN,HOST,ACTION} for a name, {@code
   * IP-CIDR,ADDRESS/32,ACTION} (or {@code /128}) for an address, with the comment {@code
   * technique=…; evidence=…; learned=…; expires=…}. Line breaks and {@code ;} in the texts are
   * replaced so the line stays parseable.
   *
   * @param technique the technique's number and short name, such as {@code 8 tls-silence}
   */
  public static LearnedEntry of(
      String host,
      Action action,
      String technique,
      String evidence,
      Instant learned,
      Instant expires) {
    String h = Destination.normalise(host);
    String rule =
        IpLiterals.isIpLiteral(h)
            ? "IP-CIDR," + h + (h.indexOf(':') >= 0 ? "/128," : "/32,") + action
            : "DOMAIN," + h + "," + action;
    String comment =
        "technique="
            + clean(technique)
            + "; evidence="
            + clean(evidence)
            + "; learned="
            + learned
            + "; expires="
            + expires;
    return new LearnedEntry(rule, action, comment, expires);
  }

  private static String clean(String s) {
    return s.replaceAll("[\\r\\n;]+", ",").trim();
  }

  /** The value of {@code key=} in the comment, such as {@code technique} or {@code evidence}. */
  public Optional<String> field(String key) {
    return Optional.ofNullable(RulesFiles.field(comment, key));
  }

  /** True when the entry has an expiry at or before {@code now}. */
  public boolean expiredAt(Instant now) {
    return expires != null && !expires.isAfter(now);
  }

  /** The line as written to the learned file (without a line break). */
  public String toLine() {
    return comment.isEmpty() ? rule : rule + " # " + comment;
  }
}
