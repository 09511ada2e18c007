package io.sidestep.core.detect;

import java.util.Locale;

/**
 * What a censor does, numbered as in CENSORSHIP.md's table, each with a stable short name used in
 * the learned blocklist, log lines and probe reports.
 */
public enum Technique {
  /** The resolver answers NXDOMAIN or no address. */
  DNS_NXDOMAIN(1, "dns-nxdomain"),
  /** The resolver answers a bogon (loopback, unspecified, private). */
  DNS_BOGON(2, "dns-bogon"),
  /** The resolver answers the address of a block-page server. */
  DNS_BLOCKPAGE(3, "dns-blockpage"),
  /** Every port-53 query is answered by the censor, whatever server was asked. */
  DNS_HIJACK(4, "dns-hijack"),
  /** Packets to the address are dropped: the connect times out. */
  TCP_TIMEOUT(5, "tcp-timeout"),
  /** Connects are refused (RST, or an ICMP unreachable). */
  TCP_REFUSED(6, "tcp-refused"),
  /** RST or FIN injected after a ClientHello with a listed SNI. */
  TLS_RESET(7, "tls-reset"),
  /** Everything dropped after a ClientHello with a listed SNI. */
  TLS_SILENCE(8, "tls-silence"),
  /** RST, FIN or drop after a plain HTTP request with a listed Host. */
  HTTP_RESET(9, "http-reset"),
  /** A block page injected, or a redirect to one. */
  HTTP_BLOCKPAGE(10, "http-blockpage"),
  /** TLS interception with a national root. */
  TLS_MITM(11, "tls-mitm"),
  /** Throttling by SNI or address. */
  THROTTLED(12, "throttled"),
  /** The relay itself is blocked; never a reason to learn a site. */
  RELAY_BLOCKED(13, "relay-blocked");

  private final int number;
  private final String shortName;

  Technique(int number, String shortName) {
    this.number = number;
    this.shortName = shortName;
  }

  /** The row number in CENSORSHIP.md's table. */
  public int number() {
    return number;
  }

  /** The stable short name, e.g. {@code tls-silence}. */
  public String shortName() {
    return shortName;
  }

  /** {@code 8 tls-silence}: the form written in the learned blocklist. */
  public String label() {
    return number + " " + shortName;
  }

  /** The probe verdict this technique maps to. */
  public ProbeVerdict verdict() {
    return ProbeVerdict.of(this);
  }

  /**
   * Finds a technique by its short name (case-insensitive) or its number.
   *
   * @throws IllegalArgumentException naming the value and what was expected
   */
  public static Technique parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    for (Technique technique : values()) {
      if (technique.shortName.equals(t) || Integer.toString(technique.number).equals(t)) {
        return technique;
      }
    }
    throw new IllegalArgumentException(
        "technique: '" + text + "' (expected: 1-13 or a short name such as tls-silence)");
  }

  /**
   * Finds a technique by its number.
   *
   * @throws IllegalArgumentException when there is no such row
   */
  public static Technique ofNumber(int number) {
    for (Technique technique : values()) {
      if (technique.number == number) {
        return technique;
      }
    }
    throw new IllegalArgumentException("technique number: " + number + " (expected: 1-13)");
  }
}
