package io.sidestep.client.cli;

import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.network.Network;
import io.sidestep.core.network.NetworkSource;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.Router;
import io.sidestep.core.rules.Rules;
import io.sidestep.core.rules.RulesException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code explain HOST[:PORT]}: what the rules decide for a destination and what decided it (the
 * rule's file, line and text, a learned entry with its evidence, or "no rule: detection decides").
 * Learned entries apply as on the network this computer is on now (or {@code --network}); for a
 * host with learned entries it names the network of each and whether it is this one. Never looks a
 * name up.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Shows what the rules decide for a destination, and which rule or learned entry decided it.",
      "Names are never looked up; give --resolved to see what IP rules would do after a direct"
          + " lookup.",
      "Learned entries apply as on the network this computer is on now (its default gateway and"
          + " resolver), and each learned entry of the host is shown with the network it was"
          + " learned on."
    })
final class ExplainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(
      index = "0",
      paramLabel = "HOST[:PORT]",
      description = "a host name or address, with a port (default: 443)")
  String target;

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description = "the rules file (default: STATE/rules.txt)")
  Path rules;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description =
          "the state folder, holding learned.rules and the lists fetched by URL (default:"
              + " ~/.sidestep)")
  Path state;

  @Option(
      names = "--resolved",
      paramLabel = "ADDRESS",
      split = ",",
      description =
          "addresses the name resolves to, to apply IP rules as a direct connection would")
  List<String> resolved = new ArrayList<>();

  @Option(
      names = "--never-direct",
      description = "decide as 'run --never-direct' does: every AUTO goes only through a relay")
  boolean neverDirect;

  @Option(
      names = "--network",
      paramLabel = "ID",
      description =
          "decide as on network ID (as learned.rules and the dashboard name it) instead of the"
              + " network this computer is on now")
  String networkId;

  /** Where the network this computer is on is read; tests give fakes. */
  private final NetworkSource networkSource = NetworkSource.system();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path stateDir = state != null ? state : Path.of(System.getProperty("user.home"), ".sidestep");
    Path rulesFile = rules != null ? rules : stateDir.resolve("rules.txt");
    if (rules == null && !Files.exists(rulesFile)) {
      err.println("note: no rules file at " + rulesFile + "; only learned entries apply");
      rulesFile = null;
    }
    Destination destination = Destination.parse(target, 443);
    List<InetAddress> addresses = new ArrayList<>();
    for (String a : resolved) {
      addresses.add(IpLiterals.parse(a.trim()));
    }
    Optional<Network> network;
    if (networkId != null) {
      if (!Network.validId(networkId)) {
        err.println(
            "--network: '"
                + networkId
                + "' (expected: a network id such as learned.rules gives in network=)");
        return 2;
      }
      network = Optional.of(new Network(networkId, networkId));
    } else {
      network = Network.of(networkSource.read());
    }
    Rules r;
    try {
      r =
          Rules.load(
              rulesFile,
              stateDir.resolve("learned.rules"),
              new ListCache(stateDir),
              network,
              Clock.systemUTC());
    } catch (RulesException e) {
      err.println(e.getMessage());
      return 1;
    }
    for (String w : r.warnings()) {
      err.println("warning: " + w);
    }
    Router router = neverDirect ? Router.neverDirect(r) : r;
    Decision d = router.decide(destination);
    out.println(destination.authority() + " -> " + d.action());
    out.println("  " + d.reason());
    if (!addresses.isEmpty() && d.action() == Action.NEVER_DIRECT) {
      out.println("resolved: never, NEVER-DIRECT sends the name to the relay unresolved");
    } else if (!addresses.isEmpty() && !destination.isIpLiteral()) {
      Decision after = router.decideResolved(destination, addresses, d);
      out.println("resolved to " + resolved + " -> " + after.action());
      out.println("  " + (after == d ? "no IP rule applies; as above" : after.reason()));
    }
    networks(out, stateDir, destination.host(), network);
    out.flush();
    return 0;
  }

  /** For a host with learned entries: the network now, and the network of each entry. */
  private static void networks(
      PrintWriter out, Path stateDir, String host, Optional<Network> network) {
    List<LearnedStore.Entry> entries;
    try {
      entries = new LearnedStore(stateDir, Clock.systemUTC()).entries(host);
    } catch (RuntimeException e) {
      return; // an unreadable file was reported as a warning above
    }
    if (entries.isEmpty()) {
      return;
    }
    out.println(
        "network now: "
            + network
                .map(Network::toString)
                .orElse("unknown (no default gateway seen): entries of every network apply"));
    int networks =
        Network.count(
            entries.stream().flatMap(e -> e.network().stream()).map(Network::id).toList());
    for (LearnedStore.Entry e : entries) {
      String where =
          e.network()
              .map(
                  n ->
                      "learned on network "
                          + n
                          + (network.isEmpty()
                              ? ""
                              : e.on(network)
                                  ? ": the current network"
                                  : networks >= 2
                                      ? ": not the current network; applies here too, learned on "
                                          + networks
                                          + " networks (likely blocked nationwide)"
                                      : ": not the current network, so it does not apply here"))
              .orElse("learned on any network (the entry names none): applies on every network");
      out.println("  " + where + "; expires " + e.expires());
    }
  }
}
