package io.sidestep.core.detect;

import java.util.Locale;

/**
 * What a censor does to a connection, and the numbering Sidestep uses for it. This enum is where
 * the numbers are defined: a number is written in the learned blocklist ({@code technique=7
 * tls-reset}), in log lines and in probe reports, so it never changes meaning; a new technique gets
 * the next free number. Each has a stable short name as well ({@link #shortName()}).
 *
 * <p>Every technique is told from an outage the same way: the step that failed on the direct path
 * is done again through the relay, the control vantage point outside the censored network. Only
 * when the direct path fails in the way the technique describes and the relay completes the same
 * step is the host censored; when both fail, the site (or the network) is down and nothing is
 * learned. Each constant's Javadoc says what the censor does and what the direct path and the relay
 * must see for it to count.
 */
public enum Technique {
  /**
   * 1. The local resolver answers NXDOMAIN or no address for a name that exists. Counted when the
   * relay's resolver returns addresses for the same name; when it does not, the name is gone.
   */
  DNS_NXDOMAIN(1, "dns-nxdomain"),
  /**
   * 2. The local resolver answers a bogon (loopback, unspecified, private, reserved) for a public
   * name. Counted when the relay's resolver returns public addresses instead.
   */
  DNS_BOGON(2, "dns-bogon"),
  /**
   * 3. The local resolver answers the address of a known block-page server. Counted when the
   * relay's answer differs; the block-page addresses are listed in the client's settings.
   */
  DNS_BLOCKPAGE(3, "dns-blockpage"),
  /**
   * 4. Every query to port 53 is answered by the censor, whatever server was asked, so no plain
   * resolver can be trusted. Told from an outage by answers that differ from the relay's
   * DNS-over-HTTPS answers for many names; names are then resolved at the relay.
   */
  DNS_HIJACK(4, "dns-hijack"),
  /**
   * 5. Packets to the address are dropped: the TCP connect times out. Counted when the relay
   * connects to the same destination; a site that times out through the relay too is down.
   */
  TCP_TIMEOUT(5, "tcp-timeout"),
  /**
   * 6. Connects are refused with an injected RST or an ICMP unreachable. Counted when the relay
   * connects; refused everywhere means nothing listens there.
   */
  TCP_REFUSED(6, "tcp-refused"),
  /**
   * 7. A RST or FIN is injected right after a TLS ClientHello whose SNI is listed, before any byte
   * of the server's answer (or within the first few KiB). Counted when the same ClientHello, sent
   * through the relay, gets a handshake.
   */
  TLS_RESET(7, "tls-reset"),
  /**
   * 8. Everything is dropped after a ClientHello whose SNI is listed: the connection stays open and
   * silent. Counted after the first-read timeout when the relay gets a handshake for the same name.
   */
  TLS_SILENCE(8, "tls-silence"),
  /**
   * 9. A RST, FIN or silence after a plain-HTTP request whose Host is listed. Counted when the
   * relay answers the same request.
   */
  HTTP_RESET(9, "http-reset"),
  /**
   * 10. A block page is injected in place of the site's plain-HTTP answer, or a redirect to one.
   * Counted when the direct answer differs from the relay's answer to the same request in status,
   * title and body, as {@link HttpDiff} compares them.
   */
  HTTP_BLOCKPAGE(10, "http-blockpage"),
  /**
   * 11. TLS is intercepted: the direct path presents a chain issued by a national or otherwise
   * unknown root. Counted when the chain is issued by a known interception CA, or does not match
   * the leaf the relay sees; a certificate broken through the relay too is broken for everyone.
   */
  TLS_MITM(11, "tls-mitm"),
  /**
   * 12. Traffic to a name or address is throttled. Counted when a live direct transfer is far
   * slower than both the user's line and the relay's speed sample ({@link LiveThrottleJudge}), or,
   * for {@code probe}, when direct transfers or handshakes are many times slower than the same
   * through the relay ({@link ThrottleJudge}).
   */
  THROTTLED(12, "throttled"),
  /**
   * 13. The relay itself is blocked. Never a reason to learn a site: with no control, a direct
   * failure cannot be told from an outage, so nothing is learned.
   */
  RELAY_BLOCKED(13, "relay-blocked");

  private final int number;
  private final String shortName;

  Technique(int number, String shortName) {
    this.number = number;
    this.shortName = shortName;
  }

  /** The technique's number, as defined by this enum. */
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
}
