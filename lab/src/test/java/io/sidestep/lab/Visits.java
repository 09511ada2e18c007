package io.sidestep.lab;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lab's real clients: curl (through the client's HTTP door, its SOCKS5 door, or with no proxy
 * at all, from any lab host) and headless Chromium with the client's PAC file. Every fetch has a
 * hard time limit. curl trusts only the lab's public root; Chromium trusts it through the NSS
 * database in its HOME.
 */
final class Visits {
  /** The client door a visit goes through. */
  enum Door {
    HTTP,
    SOCKS
  }

  /** Default limit for one fetch; the slowest censored first visit must finish well inside it. */
  static final Duration MAX_TIME = Duration.ofSeconds(20);

  private final Certs certs;
  private final Path dir;
  private final AtomicInteger seq = new AtomicInteger();

  Visits(Certs certs, Path dir) {
    this.certs = certs;
    this.dir = dir;
  }

  /** curl on the user host through one of the client's doors. */
  Visit viaClient(SidestepClient client, Door door, String url, String... extra) {
    List<String> args = new ArrayList<>();
    if (door == Door.HTTP) {
      args.addAll(List.of("--proxy", client.httpProxy()));
    } else {
      args.addAll(List.of("--socks5-hostname", client.socksProxy()));
    }
    args.addAll(List.of(extra));
    return curl(
        LabPlan.NS_USER, "curl via " + client.spec.label() + " " + door, url, MAX_TIME, args);
  }

  /** curl from a lab host with no proxy: what that host sees of the network. */
  Visit direct(String ns, String url, Duration maxTime, String... extra) {
    return curl(ns, "curl in " + ns, url, maxTime, List.of(extra));
  }

  Visit curl(String ns, String how, String url, Duration maxTime, List<String> extra) {
    Path body = next("body");
    List<String> argv = new ArrayList<>();
    // -v: on failure curl reports no timings, but its trace says how far the connection got.
    argv.addAll(
        List.of("curl", "-sSv", "--noproxy", "", "--cacert", certs.ca(Certs.Ca.PUBLIC).toString()));
    argv.addAll(List.of("--max-time", Long.toString(maxTime.toSeconds())));
    argv.addAll(List.of("-o", body.toString()));
    argv.addAll(
        List.of(
            "-w", "%{http_code} %{time_total} %{time_connect} %{time_appconnect} %{redirect_url}"));
    argv.addAll(extra);
    argv.add(url);
    Cmd.Result r = Cmd.run(maxTime.plusSeconds(10), Cmd.netns(ns, argv));
    String[] w = r.out().strip().split(" ", 5);
    return new Visit(
        how,
        url,
        r.exit(),
        w.length > 0 ? parseInt(w[0]) : 0,
        read(body),
        w.length > 1 ? parseDouble(w[1]) : r.millis() / 1000.0,
        w.length > 2 ? parseDouble(w[2]) : 0,
        w.length > 3 ? parseDouble(w[3]) : 0,
        w.length > 4 ? w[4] : "",
        r.err(),
        r.timedOut());
  }

  /** Headless Chromium on the user host, configured with the client's PAC file. */
  Visit chromium(SidestepClient client, String url) {
    Path profile = next("chromium-profile");
    List<String> argv =
        List.of(
            "env",
            "HOME=" + certs.chromiumHome(),
            "timeout",
            "-k",
            "5",
            "40",
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--user-data-dir=" + profile,
            "--proxy-pac-url=" + client.pacUrl(),
            "--dump-dom",
            url);
    Cmd.Result r = Cmd.run(Duration.ofSeconds(60), Cmd.netns(LabPlan.NS_USER, argv));
    String errors =
        r.err()
            .lines()
            .filter(l -> l.contains("net::ERR") || l.contains("FATAL"))
            .reduce("", (a, b) -> a + b + "\n");
    return new Visit(
        "chromium via " + client.spec.label() + " PAC",
        url,
        r.exit(),
        0,
        r.out(),
        r.millis() / 1000.0,
        0,
        0,
        "",
        errors,
        r.timedOut());
  }

  private Path next(String kind) {
    Path p = dir.resolve("%03d-%s".formatted(seq.incrementAndGet(), kind));
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + dir, e);
    }
    return p;
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static int parseInt(String s) {
    try {
      return Integer.parseInt(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static double parseDouble(String s) {
    try {
      return Double.parseDouble(s.strip());
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
