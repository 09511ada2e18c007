package io.sidestep.server.cli;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.server.Limits;
import io.sidestep.server.RelayCertificate;
import io.sidestep.server.Users;
import io.sidestep.server.internal.UsersFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code users}: add, list and remove the relay's users. */
@Command(
    name = "users",
    mixinStandardHelpOptions = true,
    description = {
      "Manages the relay's users. Changes are written to STATE/users and a running relay picks"
          + " them up within a second, without a restart.",
      ""
    },
    subcommands = {
      UsersCommand.Add.class,
      UsersCommand.ListUsers.class,
      UsersCommand.Show.class,
      UsersCommand.SetLimits.class,
      UsersCommand.Rotate.class,
      UsersCommand.Remove.class
    })
final class UsersCommand {

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Adds a user and prints its access key as the last line of output:",
        "  sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#NAME",
        "The token is 32 random bytes in base64url.",
        "The token is stored only as its SHA-256 and is never shown again. Creates the relay's"
            + " key and certificate first if there are none.",
        ""
      })
  static final class Add implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(
        paramLabel = "NAME",
        description = "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.")
    String name;

    @Mixin Options.State state;

    @Option(
        names = "--address",
        required = true,
        paramLabel = "HOST:PORT",
        converter = Options.AddressConverter.class,
        description =
            "Where clients reach the relay (its public name or address, and port; port defaults"
                + " to 443).")
    Destination address;

    @Option(
        names = "--cert",
        paramLabel = "FILE.pem",
        description =
            "Pin this certificate instead of the state directory's (for a relay run with --cert).")
    Path cert;

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
      Users users = Users.in(state.dir);
      X509Certificate pinned =
          cert == null
              ? RelayCertificate.loadOrCreate(state.dir, address.host()).certificate()
              : io.sidestep.core.tls.Pem.readCertificates(cert).get(0);
      AccessKey key = users.add(name, address, pinned, l);
      PrintWriter out = spec.commandLine().getOut();
      out.println("Added user " + name + " to " + users.file() + ".");
      out.println("Give the user this access key; it is shown only once:");
      out.println(key.toUri());
      out.flush();
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the users.")
  static final class ListUsers implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Options.State state;

    @Override
    public Integer call() {
      List<Users.User> all = Users.in(state.dir).list();
      PrintWriter out = spec.commandLine().getOut();
      if (all.isEmpty()) {
        out.println("no users in " + Users.in(state.dir).file());
      }
      for (Users.User u : all) {
        out.printf("%-24s added %s  limits: %s%n", u.name(), u.created(), u.limits().describe());
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "Shows a user's limits, usage (as the running relay last saved it, every minute) and"
              + " when it last connected. Never the token.")
  static final class Show implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The user to show.")
    String name;

    @Mixin Options.State state;

    @Override
    public Integer call() {
      Users users = Users.in(state.dir);
      Users.User u =
          users
              .get(name)
              .orElseThrow(
                  () -> new IllegalArgumentException("no user '" + name + "' in " + users.file()));
      Users.UsageFigures f = users.usage(name);
      PrintWriter out = spec.commandLine().getOut();
      Limits l = u.limits();
      out.println("user       " + u.name());
      out.println("added      " + u.created());
      out.println("limits     " + l.describe());
      out.println(
          "used       " + f.total() + " bytes (" + Limits.roughSize(f.total()) + ") in all");
      if (l.hasWindow()) {
        out.println(
            "           "
                + f.inWindow()
                + " bytes ("
                + Limits.roughSize(f.inWindow())
                + ") in the last "
                + l.windowDays()
                + " days, of "
                + Limits.formatSize(l.windowBytes()));
      }
      out.println("last seen  " + f.lastSeen().map(Object::toString).orElse("never"));
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Changes a user's limits; a running relay applies them within a second. 'none' removes"
            + " a limit, e.g. --limit none.",
        ""
      })
  static final class SetLimits implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The user to change.")
    String name;

    @Mixin Options.State state;

    @Mixin LimitOptions limits;

    @Override
    public Integer call() {
      Users users = Users.in(state.dir);
      Limits l;
      try {
        l = users.setLimits(name, limits::apply);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      spec.commandLine().getOut().println("limits of " + name + ": " + l.describe());
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      sortOptions = false,
      description = {
        "Gives a user a new token and prints its new access key as the last line of output. The"
            + " old key stops working and a running relay closes its connections within a second.",
        ""
      })
  static final class Rotate implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The user whose token to replace.")
    String name;

    @Mixin Options.State state;

    @Option(
        names = "--address",
        required = true,
        paramLabel = "HOST:PORT",
        converter = Options.AddressConverter.class,
        description = "Where clients reach the relay (port defaults to 443).")
    Destination address;

    @Option(
        names = "--cert",
        paramLabel = "FILE.pem",
        description =
            "Pin this certificate instead of the state directory's (for a relay run with --cert).")
    Path cert;

    @Override
    public Integer call() {
      Users users = Users.in(state.dir);
      AccessKey key =
          cert == null
              ? users.rotate(name, address)
              : users.rotate(name, address, io.sidestep.core.tls.Pem.readCertificates(cert).get(0));
      PrintWriter out = spec.commandLine().getOut();
      out.println("New token for user " + name + "; the old access key no longer works.");
      out.println("Give the user this access key; it is shown only once:");
      out.println(key.toUri());
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description =
          "Removes a user; a running relay refuses its key and closes its connections within a"
              + " second.")
  static final class Remove implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The user to remove.")
    String name;

    @Mixin Options.State state;

    @Override
    public Integer call() {
      Users users = Users.in(state.dir);
      if (!users.remove(name)) {
        throw new IllegalArgumentException("no user '" + name + "' in " + users.file());
      }
      spec.commandLine().getOut().println("removed user " + name);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
