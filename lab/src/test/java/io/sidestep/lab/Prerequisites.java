package io.sidestep.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether this machine can run the lab, and if not, says why in one sentence: the lab needs
 * Linux, root, network namespaces, iptables with the string, connmark and hashlimit matches inside
 * a namespace, and the tools below. {@code -Dsidestep.lab.skip=true} skips it on purpose.
 */
final class Prerequisites {
  private Prerequisites() {}

  /** Each tool the lab runs, and the Debian package that provides it. */
  static final Map<String, String> TOOLS = new LinkedHashMap<>();

  static {
    TOOLS.put("ip", "iproute2");
    TOOLS.put("iptables", "iptables");
    TOOLS.put("nginx", "nginx");
    TOOLS.put("dnsmasq", "dnsmasq-base");
    TOOLS.put("curl", "curl");
    TOOLS.put("openssl", "openssl");
    TOOLS.put("certutil", "libnss3-tools");
    TOOLS.put("chromium", "chromium");
    TOOLS.put("bash", "bash");
    TOOLS.put("timeout", "coreutils");
  }

  /** The reason the lab cannot run here, before any change to the machine. */
  static Optional<String> staticReason() {
    if (Boolean.getBoolean("sidestep.lab.skip")) {
      return Optional.of("skipped on request (-Dsidestep.lab.skip=true)");
    }
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).contains("linux")) {
      return Optional.of("the lab needs Linux network namespaces; this is " + os);
    }
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      if (!Integer.valueOf(0).equals(uid)) {
        return Optional.of(
            "the lab needs root to create network namespaces; this runs as uid " + uid);
      }
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return Optional.of("cannot tell whether this runs as root: " + e);
    }
    List<String> missing = new ArrayList<>();
    TOOLS.forEach(
        (tool, pkg) -> {
          if (which(tool).isEmpty()) {
            missing.add(tool + " (package " + pkg + ")");
          }
        });
    if (!missing.isEmpty()) {
      return Optional.of(
          "the lab needs tools this machine lacks: "
              + String.join(", ", missing)
              + "; .ci/run installs them");
    }
    return Optional.empty();
  }

  /**
   * Tries what the lab needs from the kernel in a throwaway namespace: creating it, and the
   * iptables matches and targets the censor uses. Call with the lab lock held.
   */
  static Optional<String> kernelReason() {
    String ns = "ssl-probe";
    Duration t = Duration.ofSeconds(15);
    Cmd.run(t, "ip", "netns", "delete", ns);
    Cmd.Result add = Cmd.run(t, "ip", "netns", "add", ns);
    if (!add.ok()) {
      return Optional.of("cannot create a network namespace: " + add.describe());
    }
    try {
      List<List<String>> probes =
          List.of(
              List.of(
                  "iptables",
                  "-A",
                  "FORWARD",
                  "-p",
                  "tcp",
                  "-m",
                  "string",
                  "--string",
                  "x",
                  "--algo",
                  "bm",
                  "-j",
                  "REJECT",
                  "--reject-with",
                  "tcp-reset"),
              List.of(
                  "iptables",
                  "-A",
                  "FORWARD",
                  "-m",
                  "connmark",
                  "--mark",
                  "1",
                  "-j",
                  "CONNMARK",
                  "--set-mark",
                  "2"),
              List.of(
                  "iptables",
                  "-A",
                  "FORWARD",
                  "-m",
                  "hashlimit",
                  "--hashlimit-name",
                  "p",
                  "--hashlimit-above",
                  "64kb/s",
                  "-j",
                  "DROP"),
              List.of(
                  "iptables",
                  "-t",
                  "nat",
                  "-A",
                  "PREROUTING",
                  "-p",
                  "udp",
                  "--dport",
                  "53",
                  "-j",
                  "DNAT",
                  "--to-destination",
                  "192.0.2.53:53"));
      for (List<String> probe : probes) {
        Cmd.Result r = Cmd.run(t, Cmd.netns(ns, probe));
        if (!r.ok()) {
          return Optional.of(
              "iptables in a namespace cannot do what the censor needs: " + r.describe());
        }
      }
      return Optional.empty();
    } finally {
      Cmd.run(t, "ip", "netns", "delete", ns);
    }
  }

  static Optional<Path> which(String tool) {
    for (String dir : Cmd.PATH.split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, tool);
        if (Files.isExecutable(p) && !Files.isDirectory(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }
}
