package io.sidestep.core.network.internal;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.network.Network;
import io.sidestep.core.network.NetworkSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/** Linux's view of the network, from {@code /proc/net} and {@code resolv.conf} files. */
public final class ProcNetwork implements NetworkSource {
  private static final int RTF_UP = 0x1;
  private static final int RTF_GATEWAY = 0x2;
  private static final int ATF_COM = 0x2;
  private static final Pattern MAC = Pattern.compile("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}");
  private static final long MAX_BYTES = 1 << 20;

  private final Path route;
  private final Path arp;
  private final List<Path> resolvConfs;

  public ProcNetwork(Path route, Path arp, List<Path> resolvConfs) {
    this.route = route;
    this.arp = arp;
    this.resolvConfs = List.copyOf(resolvConfs);
  }

  @Override
  public Network.Facts read() {
    Optional<String[]> gw = gateway(lines(route));
    Optional<String> gateway = gw.map(g -> g[0]);
    Optional<String> hardware = gw.flatMap(g -> hardware(lines(arp), g[0], g[1]));
    return new Network.Facts(gateway, hardware, resolvers());
  }

  /** The default route's gateway address and interface, lowest metric first; empty for none. */
  static Optional<String[]> gateway(List<String> lines) {
    String[] best = null;
    long bestMetric = Long.MAX_VALUE;
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 8 || f[0].equals("Iface")) {
        continue;
      }
      try {
        long dest = Long.parseLong(f[1], 16);
        long gw = Long.parseLong(f[2], 16);
        int flags = Integer.parseInt(f[3], 16);
        long metric = Long.parseLong(f[6]);
        long mask = Long.parseLong(f[7], 16);
        if (dest != 0
            || mask != 0
            || gw == 0
            || (flags & RTF_UP) == 0
            || (flags & RTF_GATEWAY) == 0
            || metric >= bestMetric) {
          continue;
        }
        // The kernel prints the address in host byte order: on little-endian machines the first
        // octet is the lowest byte. Every Linux Java runs on today is little-endian but s390x.
        boolean little = java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN;
        String address =
            little
                ? (gw & 0xff) + "." + (gw >> 8 & 0xff) + "." + (gw >> 16 & 0xff) + "." + (gw >> 24)
                : (gw >> 24) + "." + (gw >> 16 & 0xff) + "." + (gw >> 8 & 0xff) + "." + (gw & 0xff);
        best = new String[] {address, f[0]};
        bestMetric = metric;
      } catch (NumberFormatException e) {
        // a line this parser does not know: not a route it can use
      }
    }
    return Optional.ofNullable(best);
  }

  /** The gateway's hardware address from a complete neighbour entry on its interface. */
  static Optional<String> hardware(List<String> lines, String gateway, String iface) {
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length < 6 || !f[0].equals(gateway) || !f[5].equals(iface)) {
        continue;
      }
      try {
        int flags = Integer.decode(f[2]);
        if ((flags & ATF_COM) != 0
            && MAC.matcher(f[3]).matches()
            && !f[3].equals("00:00:00:00:00:00")) {
          return Optional.of(f[3].toLowerCase(java.util.Locale.ROOT));
        }
      } catch (NumberFormatException e) {
        // not a neighbour line
      }
    }
    return Optional.empty();
  }

  private List<String> resolvers() {
    List<String> first = null;
    for (Path p : resolvConfs) {
      List<String> r = nameservers(lines(p));
      if (r.isEmpty()) {
        continue;
      }
      if (r.stream().anyMatch(a -> !local(a))) {
        return r;
      }
      if (first == null) {
        first = r;
      }
    }
    return first == null ? List.of() : first;
  }

  /** The {@code nameserver} addresses of a {@code resolv.conf}, in order. */
  static List<String> nameservers(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2 && f[0].equals("nameserver")) {
        String a = f[1];
        int zone = a.indexOf('%');
        String bare = zone < 0 ? a : a.substring(0, zone);
        if (IpLiterals.isIpLiteral(bare) && !out.contains(bare)) {
          out.add(bare);
        }
      }
    }
    return out;
  }

  private static boolean local(String address) {
    return address.startsWith("127.") || address.equals("::1");
  }

  private static List<String> lines(Path p) {
    try {
      if (Files.size(p) > MAX_BYTES) {
        return List.of();
      }
      return Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return List.of(); // unreadable: unknown, never an error
    }
  }
}
