package io.sidestep.lab;

import static io.sidestep.lab.LabPlan.NS_ISP;
import static io.sidestep.lab.LabPlan.NS_RELAY1;
import static io.sidestep.lab.LabPlan.NS_RELAY2;
import static io.sidestep.lab.LabPlan.NS_WEB;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The running lab: the network, its servers (origins, resolvers, block pages, interceptors), and,
 * started on first use, the two relays and the clients. One lab serves the whole test run; {@link
 * #close()} removes everything it made, and a JVM shutdown hook does the same if the run dies
 * first.
 */
final class Lab implements AutoCloseable {
  /** The main client: relays 1 then 2, no rules (detection decides), the ISP's resolver. */
  static final SidestepClient.Spec MAIN =
      new SidestepClient.Spec("main", 8080, 1080, LabPlan.ISP_RESOLVER, List.of());

  /** A user who configured a third-party resolver abroad, which the ISP hijacks (technique 4). */
  static final SidestepClient.Spec THIRD_PARTY_DNS =
      new SidestepClient.Spec("dns3p", 8081, 1081, LabPlan.HONEST_RESOLVER, List.of());

  final Path root;
  final Path runDir;
  final LabPlan plan;
  final Certs certs;
  final OriginLog origins;
  final DnsLog ispDns;
  final DnsLog honestDns;
  final Visits visits;
  private final long setupStart;
  private long setupMillis;
  private final List<Daemon> servers = new ArrayList<>();
  private final Map<String, SidestepClient> clients = new LinkedHashMap<>();
  private final Map<String, RuntimeException> clientFailures = new LinkedHashMap<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::teardown, "sidestep-lab-teardown");
  private List<RelayHost> relays;
  private RuntimeException relayFailure;

  private Lab(Path root, Path runDir, LabPlan plan, Certs certs, long setupStart) {
    this.root = root;
    this.runDir = runDir;
    this.plan = plan;
    this.certs = certs;
    this.origins = new OriginLog(runDir.resolve("web").resolve("access.log"));
    this.ispDns = new DnsLog(runDir.resolve("isp").resolve("dns.log"));
    this.honestDns = new DnsLog(runDir.resolve("web").resolve("dns.log"));
    this.visits = new Visits(certs, runDir.resolve("visits"));
    this.setupStart = setupStart;
  }

  /** Builds the lab under {@code root/lab/target/lab-run}. The caller holds the lab lock. */
  static Lab start(Path root) throws Exception {
    long t0 = System.nanoTime();
    Path runDir = root.resolve("lab").resolve("target").resolve("lab-run");
    deleteTree(runDir);
    Files.createDirectories(runDir);
    LabPlan plan = LabPlan.random();
    Certs certs = Certs.generate(plan, runDir.resolve("certs"));
    Path web = runDir.resolve("web");
    Path isp = runDir.resolve("isp");
    for (Path d : List.of(web, isp)) {
      for (String t : List.of("body", "proxy", "fastcgi", "uwsgi", "scgi")) {
        Files.createDirectories(d.resolve("tmp").resolve(t));
      }
    }
    for (Site site : plan.sites()) {
      Path siteDir = web.resolve("sites").resolve(site.id());
      Files.createDirectories(siteDir);
      Files.writeString(siteDir.resolve("index.html"), LabConfigs.originPage(site));
      if (site.technique() == CensorAction.THROTTLE_LARGE_FILE) {
        Path file = siteDir.resolve(LabPlan.LARGE_FILE_PATH.substring(1));
        Files.createDirectories(file.getParent());
        Files.write(file, LabConfigs.largeFile(site));
      }
    }
    Files.writeString(web.resolve("nginx.conf"), LabConfigs.originNginx(plan, certs, web));
    Files.writeString(web.resolve("dnsmasq.conf"), LabConfigs.honestDnsmasq(plan, web));
    Files.writeString(isp.resolve("nginx.conf"), LabConfigs.ispNginx(plan, certs, isp));
    Files.writeString(isp.resolve("dnsmasq.conf"), LabConfigs.ispDnsmasq(plan, isp));

    Lab lab = new Lab(root, runDir, plan, certs, t0);
    Runtime.getRuntime().addShutdownHook(lab.shutdownHook);
    try {
      LabNetwork.up(plan, runDir);
      lab.startServers(web, isp);
      lab.setupMillis = (System.nanoTime() - lab.setupStart) / 1_000_000;
      Files.writeString(runDir.resolve("layout.txt"), lab.layout());
      System.out.println(lab.layout());
      return lab;
    } catch (Exception | Error e) {
      lab.close();
      throw e;
    }
  }

  private void startServers(Path web, Path isp) throws Exception {
    Daemon honest =
        server(
            "honest resolver",
            NS_WEB,
            web,
            "dnsmasq",
            "--conf-file=" + web.resolve("dnsmasq.conf"));
    Daemon censor =
        server(
            "ISP resolver", NS_ISP, isp, "dnsmasq", "--conf-file=" + isp.resolve("dnsmasq.conf"));
    Daemon origin =
        server(
            "origins",
            NS_WEB,
            web,
            "nginx",
            "-e",
            web + "/nginx-error.log",
            "-p",
            web.toString(),
            "-c",
            web.resolve("nginx.conf").toString());
    Daemon blocker =
        server(
            "ISP web servers",
            NS_ISP,
            isp,
            "nginx",
            "-e",
            isp + "/nginx-error.log",
            "-p",
            isp.toString(),
            "-c",
            isp.resolve("nginx.conf").toString());
    Site slow = plan.site("slow");
    Daemon slowBackend =
        server(
            "slow backend",
            NS_WEB,
            web,
            ProcessHandle.current().info().command().orElse("java"),
            "-cp",
            Path.of(SlowBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString(),
            SlowBackend.class.getName(),
            slow.ip(),
            String.valueOf(LabPlan.SLOW_BACKEND_PORT),
            String.valueOf(LabPlan.SLOW_BACKEND_MILLIS),
            web.resolve("sites").resolve(slow.id()).resolve("index.html").toString());
    Duration ready = Duration.ofSeconds(20);
    honest.awaitReady("query log started", ready, honestDns::started);
    censor.awaitReady("query log started", ready, ispDns::started);
    Site open = plan.site("open");
    origin.awaitReady("port 443 open", ready, () -> Daemon.tcpOpen(NS_WEB, open.ip(), 443));
    blocker.awaitReady(
        "block page up", ready, () -> Daemon.tcpOpen(NS_ISP, LabPlan.BLOCK_PAGE, 80));
    slowBackend.awaitReady(
        "port open", ready, () -> Daemon.tcpOpen(NS_WEB, slow.ip(), LabPlan.SLOW_BACKEND_PORT));
  }

  private Daemon server(String name, String ns, Path dir, String... argv) throws IOException {
    Daemon d = Daemon.start(name, ns, List.of(argv), dir.resolve(argv[0] + ".out"));
    servers.add(d);
    return d;
  }

  /** The client jar: {@code -Dsidestep.lab.clientJar=FILE}, else the one this build made. */
  Path clientJar() {
    return jar("sidestep.lab.clientJar", root.resolve("client/target/sidestep-client.jar"));
  }

  /** The relay jar: {@code -Dsidestep.lab.serverJar=FILE}, else the one this build made. */
  Path serverJar() {
    return jar("sidestep.lab.serverJar", root.resolve("server/target/sidestep-server.jar"));
  }

  private static Path jar(String property, Path built) {
    String override = System.getProperty(property);
    return override == null || override.isBlank() ? built : Path.of(override).toAbsolutePath();
  }

  /** Skips the calling test unless both jars exist (they are built before the lab module). */
  void assumeJars() {
    for (Path jar : List.of(clientJar(), serverJar())) {
      Assumptions.assumeTrue(
          Files.isRegularFile(jar),
          () -> jar + " is missing: build it first (mvn -B -pl lab -am verify builds it)");
    }
  }

  /** The two relays, started on first use; a failed start fails every later caller at once. */
  synchronized List<RelayHost> relays() {
    assumeJars();
    if (relayFailure != null) {
      throw new IllegalStateException(
          "the relays did not start (see the first failure)", relayFailure);
    }
    if (relays == null) {
      Path dir = runDir.resolve("relays");
      CompletableFuture<RelayHost> r1 =
          CompletableFuture.supplyAsync(
              () -> startRelay("relay1", NS_RELAY1, LabPlan.RELAY1, dir.resolve("relay1")));
      CompletableFuture<RelayHost> r2 =
          CompletableFuture.supplyAsync(
              () -> startRelay("relay2", NS_RELAY2, LabPlan.RELAY2, dir.resolve("relay2")));
      List<RelayHost> started = new ArrayList<>();
      try {
        started.add(r1.join());
        started.add(r2.join());
        relays = List.copyOf(started);
      } catch (CompletionException e) {
        r1.thenAccept(RelayHost::close);
        r2.thenAccept(RelayHost::close);
        relayFailure =
            e.getCause() instanceof RuntimeException re
                ? re
                : new IllegalStateException(e.getCause());
        throw relayFailure;
      }
    }
    return relays;
  }

  private RelayHost startRelay(String label, String ns, String address, Path dir) {
    try {
      return RelayHost.start(label, ns, address, serverJar(), dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The client for {@code spec}, started on first use with both relays (relay1 first). */
  synchronized SidestepClient client(SidestepClient.Spec spec) {
    List<RelayHost> rs = relays();
    RuntimeException failed = clientFailures.get(spec.label());
    if (failed != null) {
      throw new IllegalStateException("client " + spec.label() + " did not start", failed);
    }
    SidestepClient c = clients.get(spec.label());
    if (c == null) {
      try {
        c =
            SidestepClient.start(
                spec, clientJar(), certs, rs, runDir.resolve("client-" + spec.label()));
      } catch (IOException | RuntimeException e) {
        RuntimeException re =
            e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        clientFailures.put(spec.label(), re);
        throw re;
      }
      clients.put(spec.label(), c);
    }
    return c;
  }

  /** Blocks (or unblocks) a relay's address at the ISP: technique 13. */
  void blockAtIsp(String relayAddress, boolean block) {
    List<String> argv =
        new ArrayList<>(List.of(LabConfigs.blockRelay(relayAddress, block).split(" ")));
    Cmd.inNs(NS_ISP, Duration.ofSeconds(10), argv.toArray(String[]::new)).orThrow();
  }

  /** Asks {@code server} from inside {@code ns} for the A records of {@code names}. */
  Map<String, DnsQuery.Answer> dns(String ns, String server, String... names) {
    String classes;
    try {
      classes =
          Path.of(DnsQuery.class.getProtectionDomain().getCodeSource().getLocation().toURI())
              .toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
    List<String> argv =
        new ArrayList<>(
            List.of(RelayHost.java(), "-cp", classes, DnsQuery.class.getName(), server));
    argv.addAll(List.of(names));
    Cmd.Result r = Cmd.run(Duration.ofSeconds(30), Cmd.netns(ns, argv)).orThrow();
    Map<String, DnsQuery.Answer> out = new LinkedHashMap<>();
    r.out().lines().map(DnsQuery.Answer::parse).forEach(a -> out.put(a.name(), a));
    return out;
  }

  String layout() {
    StringBuilder s = new StringBuilder();
    s.append("Sidestep censorship lab, run ")
        .append(plan.run)
        .append(" (set up in ")
        .append(setupMillis)
        .append(" ms; files in ")
        .append(runDir)
        .append(")\n");
    s.append(
        """
          user       ssl-user    192.0.2.10      client (8080/1080 main, 8081/1081 dns3p, 8082/1082 rule), curl, chromium
          ISP        ssl-isp     192.0.2.1 / 198.51.100.1  resolver 192.0.2.53, block page 192.0.2.80, redirect 192.0.2.81
          outside    ssl-web     198.51.100.2    origins 203.0.113.x, honest resolver 203.0.113.53
          relay1     ssl-relay1  198.51.100.11:443
          relay2     ssl-relay2  198.51.100.12:443
          bridge     ssl-inet    br0 joins ISP WAN, web, relay1, relay2
        """);
    s.append(
        String.format(
            "  %-7s %-28s %-14s %-14s %s%n",
            "site", "name", "address", "interceptor", "technique"));
    for (Site site : plan.sites()) {
      s.append(
          String.format(
              "  %-7s %-28s %-14s %-14s %s (technique %d), scenario uses %s%n",
              site.id(),
              site.name(),
              site.ip(),
              site.interceptor() == null ? "-" : site.interceptor(),
              site.technique().description,
              site.technique().number,
              site.scheme()));
    }
    return s.toString();
  }

  @Override
  public void close() {
    teardown();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // Already running as the hook.
    }
  }

  /** Stops every process the lab started and removes its namespaces. Runs once. */
  private void teardown() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<AutoCloseable> all = new ArrayList<>(clients.values());
    if (relays != null) {
      all.addAll(relays);
    }
    all.addAll(servers);
    all.parallelStream()
        .forEach(
            c -> {
              try {
                c.close();
              } catch (Exception e) {
                System.err.println("lab teardown: " + e);
              }
            });
    Cmd.Result down = labDown(root);
    if (!down.ok()) {
      System.err.println("lab teardown incomplete: " + down.describe());
    }
  }

  /** Runs lab/scripts/lab-down.sh: removes every ssl-* namespace and what runs in it. */
  static Cmd.Result labDown(Path root) {
    Path script = root.resolve("lab").resolve("scripts").resolve("lab-down.sh");
    return Cmd.run(Duration.ofSeconds(60), "bash", script.toString());
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
