package io.sidestep.server.cli;

import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.server.Users;
import io.sidestep.server.internal.UsersFile;
import java.io.PrintWriter;
import java.nio.file.Path;
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
    subcommands = {UsersCommand.Add.class, UsersCommand.ListUsers.class, UsersCommand.Remove.class})
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

    @Override
    public Integer call() {
      try {
        UsersFile.checkName(name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), e.getMessage());
      }
      Users users = Users.in(state.dir);
      AccessKey key =
          cert == null
              ? users.add(name, address)
              : users.add(name, address, io.sidestep.core.tls.Pem.readCertificates(cert).get(0));
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
        out.printf("%-24s added %s%n", u.name(), u.created());
      }
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = "Removes a user; a running relay refuses its key within a second.")
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
