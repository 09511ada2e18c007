package io.sidestep.lab;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The lab's layout: namespaces, addresses and sites. Every address is in a documentation range
 * (192.0.2.0/24 the user's side of the ISP, 198.51.100.0/24 the transit network abroad,
 * 203.0.113.0/24 the sites), and no namespace has a route to anything else. Names are generated per
 * run ({@code <label>.<run>.test}, and {@code <label>.<run>.kz} for the .kz sites), so no cache or
 * learned state can carry over between runs.
 *
 * <pre>
 *  ssl-user 192.0.2.10 ──veth── ssl-isp ──veth── ssl-inet (bridge br0) ──┬── ssl-web    198.51.100.2
 *  client, curl,          192.0.2.1  (LAN)   198.51.100.1 (WAN)          │   origins 203.0.113.x,
 *  chromium               resolver .53,                                 │   honest resolver .53
 *                         block pages .80/.81, interceptors .101+        ├── ssl-relay1 198.51.100.11
 *                                                                        └── ssl-relay2 198.51.100.12
 * </pre>
 */
final class LabPlan {
  static final String NS_USER = "ssl-user";
  static final String NS_ISP = "ssl-isp";
  static final String NS_INET = "ssl-inet";
  static final String NS_WEB = "ssl-web";
  static final String NS_RELAY1 = "ssl-relay1";
  static final String NS_RELAY2 = "ssl-relay2";
  static final List<String> NAMESPACES =
      List.of(NS_USER, NS_ISP, NS_INET, NS_WEB, NS_RELAY1, NS_RELAY2);

  static final String USER = "192.0.2.10";
  static final String ISP_LAN = "192.0.2.1";
  static final String ISP_RESOLVER = "192.0.2.53";
  static final String BLOCK_PAGE = "192.0.2.80";
  static final String BLOCK_REDIRECT = "192.0.2.81";
  static final String ISP_WAN = "198.51.100.1";
  static final String WEB_WAN = "198.51.100.2";
  static final String RELAY1 = "198.51.100.11";
  static final String RELAY2 = "198.51.100.12";
  static final int RELAY_PORT = 443;
  static final String HONEST_RESOLVER = "203.0.113.53";
  static final List<String> DOCUMENTATION_RANGES =
      List.of("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24");

  // A laptop that moves (LabNetworksTest): two more user networks, each behind an ISP of its own
  // that masquerades onto the bridge. ISP A resets the TLS SNI of the t07 site; ISP B censors
  // nothing. Both users resolve through the honest resolver; only their gateways differ (A's with a
  // permanent neighbour entry, so its hardware address is known; B's learned by ARP, or not).
  static final String NS_USER_A = "ssl-usera";
  static final String NS_ISP_A = "ssl-ispa";
  static final String NS_USER_B = "ssl-userb";
  static final String NS_ISP_B = "ssl-ispb";
  static final List<String> ROAMING_NAMESPACES = List.of(NS_ISP_A, NS_USER_A, NS_ISP_B, NS_USER_B);
  static final String ISP_A_LAN = "192.0.2.225";
  static final String USER_A = "192.0.2.230";
  static final String ISP_A_WAN = "198.51.100.21";
  static final String ISP_A_MAC = "02:5a:00:00:0a:01";
  static final String ISP_B_LAN = "192.0.2.241";
  static final String USER_B = "192.0.2.246";
  static final String ISP_B_WAN = "198.51.100.22";
  static final String ROAMING_PREFIX = "/28";

  /** Throttle rate for technique 12 (hashlimit, kilobytes per second). */
  static final int THROTTLE_KBPS = 64;

  /** Size of the throttled site's page: about 6 s at the throttle rate, instant otherwise. */
  static final int THROTTLED_PAGE_BYTES = 384 * 1024;

  /** Where a site with a large file (a video, as on real sites) serves it: a deep path. */
  static final String LARGE_FILE_PATH = "/media/2026/11/lecture-1080p.mp4";

  /** Size of the large file: 6 MiB, some 100 s at the throttle rate, a second or two otherwise. */
  static final int LARGE_FILE_BYTES = 6 << 20;

  final String run;
  final String warningHost;
  final String blockPageMarker;
  private final Map<String, Site> sites = new LinkedHashMap<>();
  private int nextInterceptor = 101;

  LabPlan(String run) {
    this.run = run;
    // The censor's warning page lives under a domain of its own, as a real ISP's does.
    this.warningHost = "warning.isp-" + run + ".test";
    this.blockPageMarker = "SIDESTEP-LAB-BLOCKPAGE-" + run;
    add("open", "open", "203.0.113.10", CensorAction.NONE, "https");
    add("t01", "nxdomain", "203.0.113.11", CensorAction.DNS_NXDOMAIN, "https");
    add("t02", "bogon", "203.0.113.12", CensorAction.DNS_BOGON, "https");
    add("t03", "dns-blockpage", "203.0.113.13", CensorAction.DNS_BLOCK_PAGE, "http");
    add("t04", "hijacked", "203.0.113.14", CensorAction.DNS_HIJACK, "https");
    add("t05", "drop-ip", "203.0.113.15", CensorAction.DROP_ADDRESS, "https");
    add("t06", "reject-ip", "203.0.113.16", CensorAction.REJECT_ADDRESS, "https");
    add("t07", "rst-sni", "203.0.113.17", CensorAction.RESET_AFTER_CLIENT_HELLO, "https");
    add("t08", "silent-sni", "203.0.113.18", CensorAction.SILENCE_AFTER_CLIENT_HELLO, "https");
    add("t09", "rst-host", "203.0.113.19", CensorAction.RESET_AFTER_HTTP_HOST, "http");
    add("t09s", "silent-host", "203.0.113.20", CensorAction.SILENCE_AFTER_HTTP_HOST, "http");
    add("t10", "injected", "203.0.113.21", CensorAction.BLOCK_PAGE_INJECTED, "http");
    add("t10r", "redirected", "203.0.113.22", CensorAction.BLOCK_PAGE_REDIRECT, "http");
    add("t11", "intercepted", "203.0.113.23", CensorAction.INTERCEPT_NATIONAL_ROOT, "https");
    add("t11u", "unlisted-root", "203.0.113.24", CensorAction.INTERCEPT_UNTRUSTED_ROOT, "https");
    add("t11i", "installed-root", "203.0.113.25", CensorAction.INTERCEPT_INSTALLED_ROOT, "https");
    add("t12", "throttled", "203.0.113.26", CensorAction.THROTTLE, "https");
    add("t13", "late-block", "203.0.113.27", CensorAction.RESET_AFTER_CLIENT_HELLO, "https");
    add("kz1", "gov", "203.0.113.31", CensorAction.KZ_LOCAL_SERVER, "https");
    add("kz2", "shop", "203.0.113.32", CensorAction.NONE, "https");
    add("down", "down", "203.0.113.41", CensorAction.DOWN_REFUSED, "https");
    add("dark", "dark", "203.0.113.42", CensorAction.DOWN_SILENT, "https");
    add("expired", "expired", "203.0.113.43", CensorAction.EXPIRED_CERTIFICATE, "https");
    add("moved", "moved", "203.0.113.44", CensorAction.LEGITIMATE_REDIRECT, "https");
    add("target", "target", "203.0.113.45", CensorAction.NONE, "https");
    add("slow", "slow", "203.0.113.46", CensorAction.SLOW_BACKEND, "http");
    add("t12f", "bigfile", "203.0.113.61", CensorAction.THROTTLE_LARGE_FILE, "https");
    checkNamesDoNotContainEachOther();
  }

  /** A fresh plan with a random run label of four lowercase letters and digits. */
  static LabPlan random() {
    SecureRandom random = new SecureRandom();
    String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
    StringBuilder run = new StringBuilder("r");
    for (int i = 0; i < 4; i++) {
      run.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return new LabPlan(run.toString());
  }

  Site site(String id) {
    Site s = sites.get(id);
    if (s == null) {
      throw new NoSuchElementException("lab site: " + id + " (expected one of " + sites.keySet());
    }
    return s;
  }

  Collection<Site> sites() {
    return sites.values();
  }

  /** The site the legitimate redirect points to. */
  Site redirectTarget() {
    return site("target");
  }

  /** The sites the relays must be able to load (everything not down for everyone). */
  List<Site> liveSites() {
    List<Site> live = new ArrayList<>();
    for (Site s : sites.values()) {
      if (s.technique() != CensorAction.DOWN_REFUSED && s.technique() != CensorAction.DOWN_SILENT) {
        live.add(s);
      }
    }
    return live;
  }

  /** Where the slow site's backend listens (its own address, another port). */
  static final int SLOW_BACKEND_PORT = 8146;

  /** How long the slow site's backend takes to answer anyone: 5 s. */
  static final long SLOW_BACKEND_MILLIS = 5000;

  /** Names a path by the address the origin saw. */
  static String pathOf(String remoteAddress) {
    return switch (remoteAddress) {
      case USER -> "direct";
      case RELAY1 -> "relay1";
      case RELAY2 -> "relay2";
      case ISP_WAN -> "isp-interceptor";
      default -> remoteAddress;
    };
  }

  private void add(String id, String label, String ip, CensorAction technique, String scheme) {
    boolean kz = technique == CensorAction.KZ_LOCAL_SERVER || id.startsWith("kz");
    String name = label + "." + run + (kz ? ".kz" : ".test");
    String marker = "SIDESTEP-LAB-" + id.toUpperCase(Locale.ROOT) + "-" + run;
    String interceptor = null;
    if (technique.name().startsWith("INTERCEPT_") || technique == CensorAction.KZ_LOCAL_SERVER) {
      interceptor = "192.0.2." + nextInterceptor++;
    }
    sites.put(id, new Site(id, name, ip, technique, scheme, marker, interceptor));
  }

  /**
   * The censor matches names as substrings of packets, so no lab name may contain another, or
   * blocking one would block both.
   */
  private void checkNamesDoNotContainEachOther() {
    List<String> names = new ArrayList<>();
    sites.values().forEach(s -> names.add(s.name()));
    names.add(warningHost);
    for (String a : names) {
      for (String b : names) {
        if (a != b && b.contains(a)) {
          throw new IllegalStateException("lab names overlap: " + a + " is inside " + b);
        }
      }
    }
  }
}
