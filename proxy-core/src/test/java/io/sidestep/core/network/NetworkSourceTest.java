package io.sidestep.core.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linux's files, written as the kernel and resolvers write them, read by {@link NetworkSource}. */
class NetworkSourceTest {
  @TempDir Path dir;

  private static final String ROUTE_HEAD =
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n";
  private static final String ARP_HEAD =
      "IP address       HW type     Flags       HW address            Mask     Device\n";

  private NetworkSource source(String route, String arp, String... resolvConfs) throws IOException {
    Path r = Files.writeString(dir.resolve("route"), route);
    Path a = Files.writeString(dir.resolve("arp"), arp);
    List<Path> confs = new java.util.ArrayList<>();
    for (int i = 0; i < resolvConfs.length; i++) {
      confs.add(Files.writeString(dir.resolve("resolv" + i + ".conf"), resolvConfs[i]));
    }
    confs.add(dir.resolve("missing.conf"));
    return NetworkSource.linux(r, a, confs);
  }

  @Test
  void readsTheDefaultGatewayItsHardwareAddressAndTheResolvers() throws IOException {
    Network.Facts f =
        source(
                ROUTE_HEAD
                    + "eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                    + "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n",
                ARP_HEAD
                    + "192.0.2.7        0x1         0x2         02:00:00:00:00:07     *        eth0\n"
                    + "192.0.2.1        0x1         0x2         02:FC:00:00:00:05     *        eth0\n",
                "# generated\nsearch example\nnameserver 192.0.2.53\nnameserver 198.51.100.53\n")
            .read();
    assertThat(f.gateway()).contains("192.0.2.1");
    assertThat(f.hardware()).contains("02:fc:00:00:00:05");
    assertThat(f.resolvers()).containsExactly("192.0.2.53", "198.51.100.53");
  }

  @Test
  void theDefaultRouteWithTheLowestMetricWins() throws IOException {
    Network.Facts f =
        source(
                ROUTE_HEAD
                    + "wlan0\t00000000\t0164A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
                    + "eth0\t00000000\t017100CB\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
                    + "down0\t00000000\t013364C6\t0002\t0\t0\t1\t00000000\t0\t0\t0\n",
                ARP_HEAD
                    + "203.0.113.1      0x1         0x2         02:00:00:00:71:01     *        wlan0\n")
            .read();
    assertThat(f.gateway()).as("eth0's metric 100; down0 is not up").contains("203.0.113.1");
    assertThat(f.hardware()).as("the neighbour entry is on another interface").isEmpty();
    assertThat(f.resolvers()).isEmpty();
  }

  @Test
  void anIncompleteNeighbourEntryHasNoHardwareAddress() throws IOException {
    Network.Facts f =
        source(
                ROUTE_HEAD + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n",
                ARP_HEAD
                    + "192.0.2.1        0x1         0x0         00:00:00:00:00:00     *        eth0\n",
                "nameserver 192.0.2.53\n")
            .read();
    assertThat(f.gateway()).contains("192.0.2.1");
    assertThat(f.hardware()).isEmpty();
    assertThat(Network.of(f).orElseThrow().label())
        .isEqualTo("gateway 192.0.2.1 (hardware address unknown), resolver 192.0.2.53");
  }

  @Test
  void aLocalCacheGivesWayToTheResolversBehindIt() throws IOException {
    Network.Facts f =
        source(
                ROUTE_HEAD,
                ARP_HEAD,
                "nameserver 127.0.0.53\noptions edns0\n",
                "nameserver 198.51.100.53\nnameserver fe80::1%eth0\n")
            .read();
    assertThat(f.resolvers()).containsExactly("198.51.100.53", "fe80::1");
    assertThat(f.gateway()).as("no default route").isEmpty();
  }

  @Test
  void missingOrGarbledFilesMeanAnUnknownNetwork() throws IOException {
    assertThat(
            NetworkSource.linux(
                    dir.resolve("no-route"), dir.resolve("no-arp"), List.of(dir.resolve("none")))
                .read())
        .isEqualTo(Network.Facts.NONE);
    Network.Facts f =
        source("garbage\n\u0000\u0001 1 2 3 4 5 6 7 8\nIface x y z\n", "x y\n", "nameserver\n")
            .read();
    assertThat(Network.of(f)).isEmpty();
  }

  @Test
  void theIdIsStableAndChangesWithGatewayHardwareOrResolver() {
    Network.Facts home =
        new Network.Facts(
            Optional.of("192.0.2.1"), Optional.of("02:00:00:00:00:01"), List.of("192.0.2.53"));
    Network a = Network.of(home).orElseThrow();
    assertThat(a.id()).matches("[0-9a-f]{6}-[0-9a-f]{6}");
    assertThat(Network.of(home)).contains(a);
    assertThat(a.label()).isEqualTo("gateway 192.0.2.1 (02:00:00:00:00:01), resolver 192.0.2.53");
    assertThat(
            List.of(
                new Network.Facts(
                    Optional.of("192.0.2.1"),
                    Optional.of("02:00:00:00:00:02"),
                    List.of("192.0.2.53")),
                new Network.Facts(
                    Optional.of("192.0.2.1"),
                    Optional.of("02:00:00:00:00:01"),
                    List.of("198.51.100.53")),
                new Network.Facts(
                    Optional.of("192.0.2.254"),
                    Optional.of("02:00:00:00:00:01"),
                    List.of("192.0.2.53"))))
        .allSatisfy(other -> assertThat(Network.of(other).orElseThrow().id()).isNotEqualTo(a.id()));
    assertThat(Network.of(Network.Facts.NONE)).isEmpty();
  }
}
