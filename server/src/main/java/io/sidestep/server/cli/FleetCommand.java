package io.sidestep.server.cli;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.Pem;
import io.sidestep.core.tls.Pins;
import io.sidestep.server.Limits;
import io.sidestep.server.fleet.FleetKey;
import io.sidestep.server.fleet.Revocations;
import io.sidestep.server.fleet.SignedToken;
import io.sidestep.server.fleet.TrustKey;
import io.sidestep.server.internal.UsersFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code fleet}: the operator's signing key, signed access keys and the revocation list. */
@Command(
    name = "fleet",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a fleet of relays for one user base without a shared database. The operator keeps an"
          + " Ed25519 signing key (on their own machine, not on the relays); access keys carry a"
          + " token signed with it, holding the user's name, limits and expiry; every relay run"
          + " with --trust-key accepts them. Revocations are a signed list that relays run with"
          + " --revocations reload within a second of a change.",
      ""
    },
    subcommands = {
      FleetCommand.Init.class,
      FleetCommand.PublicKey.class,
      FleetCommand.Issue.class,
      FleetCommand.Revoke.class
    })
final class FleetCommand {

  /** {@code --key FILE}, shared by the fleet commands. */
  static final class KeyFile {
    @Option(
        names = "--key",
        paramLabel = "FILE",
        description =
            "The fleet's signing key (PEM, mode 600). Default: ~/.sidestep-fleet/fleet-key.pem.")
    Path file = Path.of(System.getProperty("user.home"), ".sidestep-fleet", "fleet-key.pem");
  }

  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      description = {
        "Creates the fleet's signing key (never overwriting one) and prints its public key as the"
            + " last line; start each relay with --trust-key and that key (or the FILE.pub"
            + " written beside the key).",
        ""
      })
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin KeyFile key;

    @Override
    public Integer call() {
      FleetKey k = FleetKey.generate();
      k.create(key.file);
      Path pub = Path.of(key.file + ".pub");
      k.trustKey().write(pub);
      PrintWriter out = spec.commandLine().getOut();
      out.println("Fleet signing key written to " + key.file + " (mode 600); keep it secret.");
      out.println("Its public key, also in " + pub + ", for each relay's --trust-key:");
      out.println(k.trustKey());
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "public-key",
      mixinStandardHelpOptions = true,
      description = "Prints the signing key's public key, for the relays' --trust-key.")
  static final class PublicKey implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin KeyFile key;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(FleetKey.load(key.file).trustKey());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "issue",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Issues a signed access key and prints it as the last line of output:",
        "  sidestep://NAME:TOKEN@HOST1:PORT,HOST2:PORT?pin=...#NAME",
        "The token carries the name and limits, signed with the fleet key; any relay run with"
            + " --trust-key accepts it, with no users file entry. Nothing is stored: keep the"
            + " printed token id to revoke this one key later.",
        ""
      })
  static final class Issue implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        paramLabel = "NAME",
        description = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    String name;

    @Mixin KeyFile key;

    @Option(
        names = "--relay",
        required = true,
        paramLabel = "HOST:PORT",
        split = ",",
        converter = Options.AddressConverter.class,
        description =
            "The relays the key names, in order (port defaults to 443). Clients spread users"
                + " over them and fail over to the next.")
    List<Destination> relays;

    @Option(
        names = "--pin",
        paramLabel = "PIN",
        split = ",",
        description =
            "The relays' certificate pins (as `run` logs at start): one for all (relays sharing"
                + " --cert), or one per relay in --relay's order. Default: none, the relays'"
                + " certificates are checked against the client's trust store.")
    List<String> pins = new ArrayList<>();

    @Option(
        names = "--cert",
        paramLabel = "FILE.pem",
        split = ",",
        description = "Pin these certificates instead of giving --pin: one for all, or one each.")
    List<Path> certs = new ArrayList<>();

    @Mixin LimitOptions limits;

    @Override
    public Integer call() {
      Limits l;
      try {
        UsersFile.checkName(name);
        l = limits.apply(Limits.NONE);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      if (!pins.isEmpty() && !certs.isEmpty()) {
        throw new ParameterException(
            spec.commandLine(), "--pin and --cert: give one of them (expected: not both)");
      }
      List<String> pinned = new ArrayList<>(pins);
      for (Path c : certs) {
        pinned.add(Pins.of(Pem.readCertificates(c).get(0)));
      }
      if (pinned.size() > 1 && pinned.size() != relays.size()) {
        throw new ParameterException(
            spec.commandLine(),
            pinned.size()
                + " pins for "
                + relays.size()
                + " relays (expected: one for all, or one per relay)");
      }
      FleetKey k = FleetKey.load(key.file);
      SignedToken t = SignedToken.issue(name, l);
      String text;
      try {
        text = AccessKey.toUri(name, t.sign(k), relays, pinned, name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "Signed access key for " + name + ", limits: " + l.describe() + ", token id " + t.id());
      out.println(
          "Revoke it alone with `fleet revoke id:"
              + t.id()
              + "`, or all of "
              + name
              + "'s keys with `fleet revoke "
              + name
              + "`.");
      out.println("Give the user this access key; nothing is stored, so keep it or issue anew:");
      out.println(text);
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = {
        "Adds a revocation to the fleet's signed revocation list (creating it) and signs it anew."
            + " NAME revokes every key issued to NAME until now (a key issued to NAME later"
            + " works); id:TOKEN-ID revokes one key. Copy the file to the relays' --revocations"
            + " path: they reload it within a second and close the revoked keys' tunnels.",
        ""
      })
  static final class Revoke implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME|id:TOKEN-ID", description = "A user name or id:TOKEN-ID.")
    String subject;

    @Mixin KeyFile key;

    @Option(
        names = "--revocations",
        required = true,
        paramLabel = "FILE",
        description = "The revocation list to update (created if missing).")
    Path file;

    @Override
    public Integer call() {
      Revocations.Entry entry;
      try {
        if (subject.startsWith("id:")) {
          String id = subject.substring(3);
          new SignedToken("x", id, Instant.now(), Limits.NONE); // checks the id's form
          entry = new Revocations.Entry(Revocations.Kind.TOKEN, id, Instant.now());
        } else {
          UsersFile.checkName(subject);
          entry = new Revocations.Entry(Revocations.Kind.USER, subject, Instant.now());
        }
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      FleetKey k = FleetKey.load(key.file);
      TrustKey trust = k.trustKey();
      Revocations next = Revocations.read(file, trust).with(entry);
      next.write(file, k);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "Revoked "
              + (entry.kind() == Revocations.Kind.TOKEN ? "key id " : "every key so far of ")
              + entry.subject()
              + " in "
              + file
              + " ("
              + next.entries().size()
              + " entries, signed by "
              + trust
              + ").");
      out.flush();
      return 0;
    }
  }
}
