package io.sidestep.client.pac;

/**
 * Writes the PAC script. Every host goes to {@code PROXY http-door; SOCKS5 socks-door} and never
 * DIRECT, so that a blocked site does not leak straight out when the client is down (the browser
 * shows an error instead). Only plain local names ({@code intranet}), {@code localhost} and
 * loopback addresses go DIRECT.
 */
public final class Pac {
  private Pac() {}

  /** The MIME type browsers expect for a PAC file. */
  public static final String CONTENT_TYPE = "application/x-ns-proxy-autoconfig";

  /**
   * The script for doors reachable at {@code httpHostPort} and {@code socksHostPort} (each {@code
   * host:port}, an IPv6 host in brackets).
   */
  public static String script(String httpHostPort, String socksHostPort) {
    return "// Sidestep: send everything through the local client; never fall back to DIRECT.\n"
        + "function FindProxyForURL(url, host) {\n"
        + "  if (isPlainHostName(host) || host === \"localhost\" || dnsDomainIs(host, \".localhost\")"
        + " || shExpMatch(host, \"127.*\") || host === \"::1\" || host === \"[::1]\") {\n"
        + "    return \"DIRECT\";\n"
        + "  }\n"
        + "  return \"PROXY "
        + httpHostPort
        + "; SOCKS5 "
        + socksHostPort
        + "\";\n"
        + "}\n";
  }
}
