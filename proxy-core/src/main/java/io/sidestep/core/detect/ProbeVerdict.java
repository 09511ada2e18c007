package io.sidestep.core.detect;

/**
 * One host's verdict in a {@code probe} report, in OONI's vocabulary where it has a word for it.
 * {@link #DOWN} means the site failed both direct and through the relay (or the relay could not be
 * reached, so nothing can be said): it is never a reason to learn the host.
 */
public enum ProbeVerdict {
  OK("ok"),
  DNS("dns"),
  TCP_IP("tcp_ip"),
  TLS("tls"),
  HTTP_DIFF("http-diff"),
  MITM("mitm"),
  THROTTLED("throttled"),
  DOWN("down");

  private final String label;

  ProbeVerdict(String label) {
    this.label = label;
  }

  /** The report's word for it: {@code ok}, {@code dns}, {@code tcp_ip}, … */
  public String label() {
    return label;
  }

  /** Whether this verdict means a censor interferes with the host (and so it may be learned). */
  public boolean blocked() {
    return this != OK && this != DOWN;
  }

  /**
   * Maps a technique to its verdict: 1–4 {@code dns}; 5, 6 {@code tcp_ip}; 7, 8 {@code tls}; 9
   * (reset on plain HTTP) and 10 {@code http-diff}, OONI's HTTP category; 11 {@code mitm}; 12
   * {@code throttled}; 13 (the relay itself blocked) {@code down}, since nothing is known of the
   * site then.
   */
  public static ProbeVerdict of(Technique technique) {
    return switch (technique) {
      case DNS_NXDOMAIN, DNS_BOGON, DNS_BLOCKPAGE, DNS_HIJACK -> DNS;
      case TCP_TIMEOUT, TCP_REFUSED -> TCP_IP;
      case TLS_RESET, TLS_SILENCE -> TLS;
      case HTTP_RESET, HTTP_BLOCKPAGE -> HTTP_DIFF;
      case TLS_MITM -> MITM;
      case THROTTLED -> THROTTLED;
      case RELAY_BLOCKED -> DOWN;
    };
  }
}
