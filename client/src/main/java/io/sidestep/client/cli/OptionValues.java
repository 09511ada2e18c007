package io.sidestep.client.cli;

import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.BlockFingerprints;
import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.net.SystemResolver;
import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Parsing shared by the commands' options. Each parser names the option, the value and what was
 * expected when the value is wrong.
 */
final class OptionValues {

  private OptionValues() {}

  /**
   * Parses {@code 1500ms}, {@code 2s}, {@code 1m} or a bare number of seconds.
   *
   * @throws IllegalArgumentException naming the option and what was expected
   */
  static Duration duration(String option, String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (t.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
      } else if (t.endsWith("s")) {
        d =
            Duration.ofMillis(
                Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
      } else if (t.endsWith("m")) {
        d = Duration.ofSeconds(Long.parseLong(t.substring(0, t.length() - 1).trim()) * 60);
      } else {
        d = Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
      }
      if (!d.isNegative() && !d.isZero()) {
        return d;
      }
    } catch (NumberFormatException e) {
      // fall through to the message
    }
    throw new IllegalArgumentException(
        option + ": '" + text + "' (expected: a positive duration such as 1500ms, 2s or 1m)");
  }

  /**
   * Reads {@code --block-fingerprints} files (the built-in blocking words come with them).
   *
   * @throws IllegalArgumentException naming the option and the file, or the file and line
   */
  static BlockFingerprints fingerprints(List<Path> files) {
    for (Path f : files) {
      if (!Files.isReadable(f)) {
        throw new IllegalArgumentException(
            "--block-fingerprints: " + f + " cannot be read (expected: a CSV file)");
      }
    }
    try {
      return BlockFingerprints.load(files);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses {@code --compare}: {@code suspicious} or {@code never}, in any case. */
  static DetectionSettings.Compare compare(String text) {
    try {
      return DetectionSettings.Compare.valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--compare: '" + text + "' (expected: suspicious, never)", e);
    }
  }

  /** Parses {@code HOST:PORT} or {@code [V6]:PORT} for a door; port 0 picks a free port. */
  static InetSocketAddress address(String option, String text) {
    String expected = "' (expected: IP:PORT or [IPv6]:PORT, port 0-65535)";
    String t = text.trim();
    int colon = t.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException(option + ": '" + text + expected);
    }
    String host = t.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.indexOf(':') >= 0) {
      throw new IllegalArgumentException(option + ": '" + text + expected);
    }
    int port;
    try {
      port = Integer.parseInt(t.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + ": '" + text + expected);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(option + ": '" + text + expected);
    }
    if (host.equals("localhost")) {
      host = "127.0.0.1";
    }
    if (!IpLiterals.isIpLiteral(host)) {
      throw new IllegalArgumentException(option + ": '" + text + expected);
    }
    return new InetSocketAddress(IpLiterals.parse(host), port);
  }

  /** The resolver for {@code --dns}: the system's when it is absent. */
  static Resolver resolver(String dns) {
    if (dns == null) {
      return new SystemResolver();
    }
    Destination server = Destination.parse(dns, 53);
    if (!server.isIpLiteral()) {
      throw new IllegalArgumentException(
          "--dns: '" + dns + "' (expected: an IP address, optionally with :PORT)");
    }
    return new DnsServerResolver(new InetSocketAddress(server.host(), server.port()));
  }

  /**
   * The state directory for {@code --state}, {@code ~/.sidestep} when it is absent; created
   * owner-only (700) when missing, since it holds what the user visits.
   */
  static Path stateDir(Path state) {
    return AtomicFiles.createPrivateDirectories(
        state != null ? state : Path.of(System.getProperty("user.home"), ".sidestep"));
  }
}
