package io.sidestep.lab;

/**
 * What the lab's censor does to one site. {@code number} is the client's number for the technique
 * ({@link io.sidestep.core.detect.Technique}, the {@code technique=N} of {@code learned.rules}): 0
 * for none or a control; 13, "the relay itself is blocked", applies to a relay, not a site.
 */
enum CensorAction {
  NONE(0, "no censorship"),
  DNS_NXDOMAIN(1, "ISP resolver answers NXDOMAIN"),
  DNS_BOGON(2, "ISP resolver answers a bogon (127.0.0.1)"),
  DNS_BLOCK_PAGE(3, "ISP resolver answers the block-page server's address"),
  DNS_HIJACK(4, "all DNS is redirected to the ISP resolver, which answers the block-page address"),
  DROP_ADDRESS(5, "packets to the address are dropped"),
  REJECT_ADDRESS(6, "connects to the address are answered with RST"),
  RESET_AFTER_CLIENT_HELLO(7, "RST after a ClientHello with the listed SNI"),
  SILENCE_AFTER_CLIENT_HELLO(8, "everything dropped after a ClientHello with the listed SNI"),
  RESET_AFTER_HTTP_HOST(9, "RST after an HTTP request with the listed Host"),
  SILENCE_AFTER_HTTP_HOST(9, "everything dropped after an HTTP request with the listed Host"),
  BLOCK_PAGE_INJECTED(10, "plain HTTP answered by the ISP's block page (transparent DNAT)"),
  BLOCK_PAGE_REDIRECT(10, "plain HTTP answered with a 302 to the ISP's warning host"),
  INTERCEPT_NATIONAL_ROOT(11, "TLS intercepted with leaves from the national root (C=KZ)"),
  INTERCEPT_UNTRUSTED_ROOT(11, "TLS intercepted with leaves from an unlisted, untrusted root"),
  INTERCEPT_INSTALLED_ROOT(
      11,
      "TLS intercepted with copied leaves (new key, 6 h earlier) from an unlisted root"
          + " the user installed"),
  THROTTLE(12, "downloads from the address throttled with hashlimit"),
  THROTTLE_LARGE_FILE(
      12,
      "downloads from the address throttled with hashlimit; a small page, and a large file at a"
          + " deep path"),
  KZ_LOCAL_SERVER(11, ".kz traffic routed through the ISP's local server, national-root TLS"),
  DOWN_REFUSED(0, "control: nothing listens, for everyone"),
  DOWN_SILENT(0, "control: the origin drops everything, for everyone"),
  EXPIRED_CERTIFICATE(0, "control: the origin's certificate expired, for everyone"),
  LEGITIMATE_REDIRECT(0, "control: the origin redirects to another host"),
  SLOW_BACKEND(0, "control: the backend answers after 5 s, for everyone");

  final int number;
  final String description;

  CensorAction(int number, String description) {
    this.number = number;
    this.description = description;
  }

  /** True for the techniques a client should detect and route around. */
  boolean censors() {
    return number > 0;
  }
}
