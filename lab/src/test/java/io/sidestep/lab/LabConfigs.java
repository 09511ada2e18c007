package io.sidestep.lab;

import static io.sidestep.lab.LabPlan.BLOCK_PAGE;
import static io.sidestep.lab.LabPlan.BLOCK_REDIRECT;
import static io.sidestep.lab.LabPlan.HONEST_RESOLVER;
import static io.sidestep.lab.LabPlan.ISP_RESOLVER;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration files of the lab's servers: the origins' nginx, the ISP's nginx (block pages
 * and interceptors), the honest and the censoring dnsmasq, and the censor's iptables rules. Each
 * technique's configuration is in one place: the switch statements below.
 */
final class LabConfigs {
  private LabConfigs() {}

  /** The ISP's LAN interface, facing the user; every censoring rule applies to traffic from it. */
  static final String ISP_LAN_IF = "lan0";

  static String originNginx(LabPlan plan, Certs certs, Path dir) {
    StringBuilder servers = new StringBuilder();
    for (Site site : plan.sites()) {
      if (site.technique() == CensorAction.DOWN_REFUSED
          || site.technique() == CensorAction.DOWN_SILENT) {
        continue; // nothing listens at these addresses
      }
      String body =
          site.technique() == CensorAction.LEGITIMATE_REDIRECT
              ? "location / { return 301 https://%s$request_uri; }"
                  .formatted(plan.redirectTarget().name())
              : site.technique() == CensorAction.SLOW_BACKEND
                  ? "location / { proxy_pass http://%s:%d; proxy_read_timeout 30s; }"
                      .formatted(site.ip(), LabPlan.SLOW_BACKEND_PORT)
                  : "root %s; index index.html;".formatted(dir.resolve("sites").resolve(site.id()));
      servers.append(
          """
            server {
              listen %1$s:80;
              listen %1$s:443 ssl;
              server_name %2$s;
              ssl_certificate %3$s;
              ssl_certificate_key %4$s;
              %5$s
            }
          """
              .formatted(
                  site.ip(), site.name(), certs.leaf(site.id()), certs.leafKey(site.id()), body));
    }
    return nginxFrame(dir, servers.toString());
  }

  /**
   * The page each origin serves: its name, its marker, and a few paragraphs, so that it is about
   * the size of a small real page (some 3 KB) and a block page differs from it the way block pages
   * differ from real sites. The throttled site's page is padded to {@link
   * LabPlan#THROTTLED_PAGE_BYTES}.
   */
  static String originPage(Site site) {
    StringBuilder prose = new StringBuilder();
    String[] topics = {"news", "weather", "culture", "science", "letters", "archive"};
    for (String topic : topics) {
      prose.append(
          """
          <h2>%1$s</h2>
          <p>This is the %1$s section of %2$s, a site of the Sidestep censorship lab. Its pages are
          served by the lab's origin web server, which records the address of every visitor, so a
          test can tell whether a visit came straight from the user, through a relay, or through
          the censor's interception server. Nothing here is real, and nothing leaves the lab.</p>
          """
              .formatted(topic, site.name()));
    }
    String page =
        """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>Lab site %1$s</title></head>
        <body><h1>%1$s</h1><p id="marker">%2$s</p>
        %3$s</body></html>
        """
            .formatted(site.name(), site.marker(), prose);
    if (site.technique() != CensorAction.THROTTLE) {
      return page;
    }
    StringBuilder padded = new StringBuilder(page).append("<!-- ");
    SecureRandom random = new SecureRandom();
    while (padded.length() < LabPlan.THROTTLED_PAGE_BYTES) {
      padded.append((char) ('a' + random.nextInt(26)));
      if (padded.length() % 100 == 0) {
        padded.append('\n');
      }
    }
    return padded.append(" -->\n").toString();
  }

  /**
   * The large file of a {@link CensorAction#THROTTLE_LARGE_FILE} site: {@link
   * LabPlan#LARGE_FILE_BYTES} of text that starts with the site's marker (so a download that
   * arrived whole is recognised) and goes on with random letters (so nothing compresses it).
   */
  static byte[] largeFile(Site site) {
    byte[] b = new byte[LabPlan.LARGE_FILE_BYTES];
    java.util.Random random = new java.util.Random(site.marker().hashCode());
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i % 100 == 99 ? '\n' : 'a' + random.nextInt(26));
    }
    byte[] head = (site.marker() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, b, 0, head.length);
    return b;
  }

  static String ispNginx(LabPlan plan, Certs certs, Path dir) {
    StringBuilder servers = new StringBuilder();
    servers.append(
        """
          # Block page, for techniques 3 and 10: any host, plain HTTP or TLS (a certificate that fails).
          server {
            listen %1$s:80 default_server;
            listen %1$s:443 ssl default_server;
            ssl_certificate %2$s;
            ssl_certificate_key %3$s;
            location / { return 200 '%4$s'; }
          }
          # Redirect to the warning host, for technique 10.
          server {
            listen %5$s:80 default_server;
            location / { return 302 http://%6$s/?site=$host; }
          }
        """
            .formatted(
                BLOCK_PAGE,
                certs.leaf(Certs.WARNING_LEAF),
                certs.leafKey(Certs.WARNING_LEAF),
                blockPage(plan),
                BLOCK_REDIRECT,
                plan.warningHost));
    for (Site site : plan.sites()) {
      if (site.interceptor() == null) {
        continue;
      }
      String leaf = Certs.interceptLeaf(site);
      servers.append(
          """
            # Interceptor for %2$s (%6$s): terminates TLS with its own leaf, fetches the real page.
            server {
              listen %1$s:443 ssl;
              ssl_certificate %3$s;
              ssl_certificate_key %4$s;
              location / {
                proxy_pass https://%5$s;
                proxy_ssl_server_name on;
                proxy_ssl_name %2$s;
                proxy_set_header Host %2$s;
              }
            }
            server {
              listen %1$s:80;
              location / { proxy_pass http://%5$s; proxy_set_header Host %2$s; }
            }
          """
              .formatted(
                  site.interceptor(),
                  site.name(),
                  certs.leaf(leaf),
                  certs.leafKey(leaf),
                  site.ip(),
                  site.technique().description));
    }
    return nginxFrame(dir, servers.toString());
  }

  static String blockPage(LabPlan plan) {
    return "<!doctype html><html><head><title>Access restricted</title></head><body>"
        + "<h1>Access to this resource is restricted</h1>"
        + "<p>By decision of the competent authority this resource is blocked.</p>"
        + "<p>"
        + plan.blockPageMarker
        + "</p></body></html>";
  }

  private static String nginxFrame(Path dir, String servers) {
    return """
        # Generated by the Sidestep lab. One process, in the foreground, so the lab owns it.
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/nginx-error.log warn;
        events { worker_connections 1024; }
        http {
          types { text/html html; }
          default_type text/html;
          server_tokens off;
          keepalive_timeout 10s;
          ssl_protocols TLSv1.2 TLSv1.3;
          log_format lab '$msec $server_addr $remote_addr $host "$request_uri" $status $body_bytes_sent';
          access_log %1$s/access.log lab;
          client_body_temp_path %1$s/tmp/body;
          proxy_temp_path %1$s/tmp/proxy;
          fastcgi_temp_path %1$s/tmp/fastcgi;
          uwsgi_temp_path %1$s/tmp/uwsgi;
          scgi_temp_path %1$s/tmp/scgi;
        %2$s}
        """
        .formatted(dir, servers);
  }

  /** The honest resolver abroad: authoritative for every lab name, NXDOMAIN for the rest. */
  static String honestDnsmasq(LabPlan plan, Path dir) {
    StringBuilder c = new StringBuilder(dnsmasqFrame(HONEST_RESOLVER, dir));
    c.append("# Everything is local: unknown names get NXDOMAIN, AAAA gets an empty answer.\n");
    c.append("local=/#/\n");
    for (Site site : plan.sites()) {
      c.append("host-record=").append(site.name()).append(',').append(site.ip()).append('\n');
    }
    return c.toString();
  }

  /** The ISP's resolver: forwards to the honest one, except for the names it forges. */
  static String ispDnsmasq(LabPlan plan, Path dir) {
    StringBuilder c = new StringBuilder(dnsmasqFrame(ISP_RESOLVER, dir));
    c.append("server=").append(HONEST_RESOLVER).append('\n');
    for (Site site : plan.sites()) {
      String forged =
          switch (site.technique()) {
            case DNS_NXDOMAIN -> "address=/%s/"; // no address: NXDOMAIN
            case DNS_BOGON -> "address=/%s/127.0.0.1";
            case DNS_BLOCK_PAGE, DNS_HIJACK -> "address=/%s/" + BLOCK_PAGE;
            default -> null;
          };
      if (forged != null) {
        c.append("# ").append(site.technique().description).append('\n');
        c.append(forged.formatted(site.name())).append('\n');
      }
    }
    c.append("address=/").append(plan.warningHost).append('/').append(BLOCK_PAGE).append('\n');
    return c.toString();
  }

  private static String dnsmasqFrame(String listen, Path dir) {
    return """
        # Generated by the Sidestep lab.
        keep-in-foreground
        no-resolv
        no-hosts
        user=root
        listen-address=%1$s
        bind-interfaces
        log-queries
        log-facility=%2$s/dns.log
        pid-file=%2$s/dnsmasq.pid
        """
        .formatted(listen, dir);
  }

  /**
   * The censor's iptables commands, to run in the ISP namespace. All DNS from the user's side goes
   * to the ISP resolver (technique 4); the rest is per site.
   */
  static List<String> ispIptables(LabPlan plan) {
    List<String> rules = new ArrayList<>();
    String lan = "-i " + ISP_LAN_IF;
    for (String proto : List.of("udp", "tcp")) {
      rules.add(
          "iptables -t nat -A PREROUTING %s -p %s --dport 53 -j DNAT --to-destination %s:53"
              .formatted(lan, proto, ISP_RESOLVER));
    }
    int mark = 0x10;
    for (Site s : plan.sites()) {
      String ip = s.ip();
      String name = s.name();
      String match = "-m string --string %s --algo bm".formatted(name);
      switch (s.technique()) {
        case DROP_ADDRESS -> rules.add("iptables -A FORWARD %s -d %s -j DROP".formatted(lan, ip));
        case REJECT_ADDRESS ->
            rules.add(
                "iptables -A FORWARD %s -d %s -p tcp -j REJECT --reject-with tcp-reset"
                    .formatted(lan, ip));
        case RESET_AFTER_CLIENT_HELLO ->
            rules.add(
                "iptables -A FORWARD %s -p tcp --dport 443 %s -j REJECT --reject-with tcp-reset"
                    .formatted(lan, match));
        case RESET_AFTER_HTTP_HOST ->
            rules.add(
                "iptables -A FORWARD %s -p tcp --dport 80 %s -j REJECT --reject-with tcp-reset"
                    .formatted(lan, match));
        case SILENCE_AFTER_CLIENT_HELLO, SILENCE_AFTER_HTTP_HOST -> {
          // Mark the connection at the listed name, then drop all of it, both ways, from then on.
          int port = s.technique() == CensorAction.SILENCE_AFTER_CLIENT_HELLO ? 443 : 80;
          mark++;
          rules.add(
              "iptables -A FORWARD %s -p tcp --dport %d %s -j CONNMARK --set-mark 0x%x"
                  .formatted(lan, port, match, mark));
          rules.add("iptables -A FORWARD -m connmark --mark 0x%x -j DROP".formatted(mark));
        }
        case BLOCK_PAGE_INJECTED, BLOCK_PAGE_REDIRECT -> {
          String to =
              s.technique() == CensorAction.BLOCK_PAGE_INJECTED ? BLOCK_PAGE : BLOCK_REDIRECT;
          rules.add(
              "iptables -t nat -A PREROUTING %s -d %s -p tcp --dport 80 -j DNAT --to-destination %s"
                  .formatted(lan, ip, to));
        }
        case INTERCEPT_NATIONAL_ROOT, INTERCEPT_UNTRUSTED_ROOT, INTERCEPT_INSTALLED_ROOT ->
            rules.add(
                "iptables -t nat -A PREROUTING %s -d %s -p tcp --dport 443 -j DNAT --to-destination %s"
                    .formatted(lan, ip, s.interceptor()));
        case KZ_LOCAL_SERVER ->
            // The "local server": all of the site's web traffic, plain and TLS.
            rules.add(
                "iptables -t nat -A PREROUTING %s -d %s -p tcp -m multiport --dports 80,443 -j DNAT --to-destination %s"
                    .formatted(lan, ip, s.interceptor()));
        case THROTTLE, THROTTLE_LARGE_FILE ->
            rules.add(
                ("iptables -A FORWARD -s %s -o %s -m hashlimit --hashlimit-name %s"
                        + " --hashlimit-above %dkb/s --hashlimit-burst %dkb -j DROP")
                    .formatted(
                        ip, ISP_LAN_IF, s.id(), LabPlan.THROTTLE_KBPS, LabPlan.THROTTLE_KBPS));
        default -> {}
      }
    }
    return rules;
  }

  /** The origins' own rules: the site that is down for everyone drops everything. */
  static List<String> webIptables(LabPlan plan) {
    List<String> rules = new ArrayList<>();
    for (Site s : plan.sites()) {
      if (s.technique() == CensorAction.DOWN_SILENT) {
        rules.add("iptables -A INPUT -d %s -j DROP".formatted(s.ip()));
      }
    }
    return rules;
  }

  /** The command that blocks a relay at the ISP (technique 13), and the one that lifts it. */
  static String blockRelay(String relayAddress, boolean block) {
    return "iptables %s FORWARD %s -d %s -j DROP"
        .formatted(block ? "-I" : "-D", "-i " + ISP_LAN_IF, relayAddress);
  }
}
