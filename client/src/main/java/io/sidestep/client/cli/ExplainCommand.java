package io.sidestep.client.cli;

import io.sidestep.core.net.IpLiterals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code explain HOST[:PORT]}: what the rules decide for a destination and what decided it (the
 * rule's file, line and text, a learned entry with its evidence, or "no rule: detection decides").
 * Never looks a name up.
 */
@Command(
    name = "explain",
    mixinStandardHelpOptions = true,
    description = {
      "Shows what the rules decide for a destination, and which rule or learned entry decided it.",
      "Names are never looked up; give --resolved to see what IP rules would do after a direct"
          + " lookup."
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
    Rules r;
    try {
      r = Rules.load(rulesFile, stateDir.resolve("learned.rules"), new ListCache(stateDir));
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
    out.flush();
    return 0;
  }
}
