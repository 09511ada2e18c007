package io.sidestep.core.network;

import io.sidestep.core.network.internal.ProcNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads what identifies the network now (see {@link Network.Facts}), from this computer alone:
 * nothing is sent anywhere. Implementations must be cheap (a few small local reads) and must not
 * throw: what cannot be read is unknown.
 */
@FunctionalInterface
public interface NetworkSource {

  Network.Facts read();

  /** Knows nothing: every network is unknown. */
  NetworkSource NONE = () -> Network.Facts.NONE;

  /**
   * This system's: on Linux {@link #linux} with the usual files ({@code /proc/net/route}, {@code
   * /proc/net/arp}, {@code /etc/resolv.conf} and, when that names only a local cache, systemd's
   * {@code /run/systemd/resolve/resolv.conf}); elsewhere {@link #NONE}.
   */
  static NetworkSource system() {
    Path route = Path.of("/proc/net/route");
    if (!Files.isReadable(route)) {
      return NONE;
    }
    return linux(
        route,
        Path.of("/proc/net/arp"),
        List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf")));
  }

  /**
   * Reads Linux's routing table ({@code /proc/net/route}: the IPv4 default route with the lowest
   * metric), neighbour table ({@code /proc/net/arp}: the gateway's complete entry on the route's
   * interface) and resolver files ({@code nameserver} lines; the first file that names a resolver
   * outside 127.0.0.0/8 and ::1 wins, else the first with any).
   */
  static NetworkSource linux(Path route, Path arp, List<Path> resolvConfs) {
    return new ProcNetwork(route, arp, resolvConfs);
  }
}
