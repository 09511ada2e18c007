package io.sidestep.client.cli;

import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.probe.ProbeList;
import io.sidestep.client.probe.ProbeReport;
import io.sidestep.client.probe.ProbeTarget;
import io.sidestep.client.probe.Prober;
import io.sidestep.client.probe.ProgressBar;
import io.sidestep.core.detect.InterceptionCheck;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.relay.AccessKey;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code probe}: measures every host of a list the way the client judges traffic and gives one
 * verdict per host with its evidence.
 */
@Command(
    name = "probe",
    mixinStandardHelpOptions = true,
    description =
        "Measures every host of a list (a domain list or a Citizen Lab CSV) the way the client"
            + " judges traffic, direct and through the relay as the control, and gives one"
            + " verdict per host with its evidence: ok, dns, tcp_ip, tls, http-diff, mitm,"
            + " throttled or down.")
final class ProbeCommand implements Callable<Integer> {

  @Option(
      names = "--list",
      required = true,
      paramLabel = "FILE",
      description = "Hosts to probe: one domain or URL a line, or a CSV with a url column.")
  Path list;

  @Option(
      names = "--relay",
      paramLabel = "KEY",
      description =
          "Relay access key (repeatable), the control vantage point. Without one every failure"
              + " is reported as down: an outage cannot be told from a block. Every local user"
              + " can read a command line: prefer --relay-file or "
              + RelayKeys.ENVIRONMENT
              + ".")
  List<String> relays = new ArrayList<>();

  @Option(
      names = "--relay-file",
      paramLabel = "FILE",
      description =
          "Relay access keys, one a line, as for run (mode 600 or 400); "
              + RelayKeys.ENVIRONMENT
              + " is read too.")
  Path relayFile;

  @Option(
      names = "--dns",
      paramLabel = "IP[:PORT]",
      description = "DNS server to judge (default: the system resolver).")
  String dns;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description = "State directory whose learned.rules --learn writes (default: ~/.sidestep).")
  Path state;

  @Option(names = "--learn", description = "Write the blocked verdicts to the learned blocklist.")
  boolean learn;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write a JSON report here.")
  Path json;

  @Option(
      names = "--parallel",
      paramLabel = "N",
      defaultValue = "32",
      description = "Hosts probed at the same time (default: ${DEFAULT-VALUE}).")
  int parallel;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description = "Direct connect timeout (default: ${DEFAULT-VALUE}).")
  String connectTimeout;

  @Option(
      names = "--first-read-timeout",
      paramLabel = "DURATION",
      defaultValue = "3s",
      description =
          "Silence after the ClientHello or request that counts (default: ${DEFAULT-VALUE}).")
  String firstReadTimeout;

  @Option(
      names = "--block-fingerprints",
      paramLabel = "FILE",
      description =
          "Block-page fingerprints in the CSV format of OONI's blocking-fingerprints project"
              + " (repeatable): a matching page is reported blocked.")
  List<Path> blockFingerprints = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (parallel < 1 || parallel > 1024) {
      throw new IllegalArgumentException("--parallel: " + parallel + " (expected: 1-1024)");
    }
    DetectionSettings settings =
        DetectionSettings.defaults()
            .withConnectTimeout(OptionValues.duration("--connect-timeout", connectTimeout))
            .withFirstReadTimeout(OptionValues.duration("--first-read-timeout", firstReadTimeout))
            .withFingerprints(OptionValues.fingerprints(blockFingerprints));
    if (!Files.isReadable(list)) {
      throw new IllegalArgumentException("--list: " + list + " cannot be read (expected: a file)");
    }
    ProbeList hosts = ProbeList.read(list);
    hosts.skipped().forEach(s -> System.err.println("skipped " + s));
    List<AccessKey> keys = RelayKeys.read(relays, relayFile, System.getenv(RelayKeys.ENVIRONMENT));
    if (keys.isEmpty()) {
      System.err.println(
          "no relay given: failures cannot be told from outages and are reported as down");
    }
    Resolver resolver = OptionValues.resolver(dns);
    Instant started = Instant.now();
    List<ProbeTarget> targets = hosts.targets();
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    ProgressBar bar = new ProgressBar(System.err, System.console() != null);
    Map<ProbeVerdict, Integer> counts = new EnumMap<>(ProbeVerdict.class);
    AtomicInteger done = new AtomicInteger();
    List<ProbeResult> results;
    try (Prober prober =
        new Prober(
            keys, resolver, settings, InterceptionCheck.jvmTrustManager(), Clock.systemUTC())) {
      bar.update(0, targets.size(), counts);
      results =
          prober.probeAll(
              targets,
              parallel,
              r -> {
                synchronized (counts) {
                  counts.merge(r.verdict(), 1, Integer::sum);
                  bar.update(done.incrementAndGet(), targets.size(), counts);
                }
              });
    } finally {
      resolver.close();
    }
    bar.finish();
    ProbeReport report =
        new ProbeReport(started, keys.stream().map(AccessKey::label).toList(), results);
    out.print(report.table());
    if (json != null) {
      Files.writeString(json, report.json(), StandardCharsets.UTF_8);
      out.println("JSON report: " + json);
    }
    if (learn) {
      Path dir = OptionValues.stateDir(state);
      LearnedStore store = new LearnedStore(dir, Clock.systemUTC());
      // Learned on the network probed from, as the running client would.
      var network =
          io.sidestep.core.network.Network.of(
              io.sidestep.core.network.NetworkSource.system().read());
      int n = 0;
      for (ProbeResult r : results) {
        if (r.verdict().blocked() && r.evidence().isPresent()) {
          store.learn(r.host(), r.evidence().get(), network);
          n++;
        }
      }
      out.println("learned " + n + " hosts into " + store.file());
    }
    return 0;
  }
}
