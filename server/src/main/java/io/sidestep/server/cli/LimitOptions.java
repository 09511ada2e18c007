package io.sidestep.server.cli;

import io.sidestep.server.Limits;
import picocli.CommandLine.Option;

/** The limit options of {@code users add} and {@code users set}; {@code none} clears one. */
final class LimitOptions {

  @Option(
      names = "--limit",
      paramLabel = "SIZE/DAYSd",
      description =
          "Data limit (both directions) over a sliding window of days, e.g. 50GB/30d. Over it,"
              + " the user is refused until older days leave the window.")
  String window;

  @Option(
      names = "--lifetime-limit",
      paramLabel = "SIZE",
      description = "Data limit over the user's whole life, e.g. 1TB.")
  String lifetime;

  @Option(
      names = "--expires",
      paramLabel = "YYYY-MM-DD",
      description = "Last day (UTC) the access key works.")
  String expires;

  @Option(
      names = "--max-conns",
      paramLabel = "N",
      description =
          "Most connections the user may have open at once. A client keeps one connection for"
              + " all its tunnels, so this is the number of devices using the key.")
  String maxConns;

  @Option(
      names = "--rate",
      paramLabel = "RATE",
      description =
          "Slow the user to this rate, both directions and all connections together, e.g. 10Mbit/s"
              + " or 2MB/s.")
  String rate;

  /** {@code base} with the options given applied. */
  Limits apply(Limits base) {
    Limits l = base;
    if (window != null) {
      l = none(window) ? l.withWindow(0, 0) : Limits.parseWindow(window, l);
    }
    if (lifetime != null) {
      l = l.withLifetime(none(lifetime) ? 0 : Limits.parseSize(lifetime));
    }
    if (expires != null) {
      l = l.withExpires(none(expires) ? null : Limits.parseDate(expires));
    }
    if (maxConns != null) {
      l = l.withMaxConns(none(maxConns) ? 0 : Limits.parseCount(maxConns));
    }
    if (rate != null) {
      l = l.withRate(none(rate) ? 0 : Limits.parseRate(rate));
    }
    return l;
  }

  private static boolean none(String s) {
    return s.strip().equalsIgnoreCase("none");
  }
}
