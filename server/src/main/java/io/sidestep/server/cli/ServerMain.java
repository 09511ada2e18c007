package io.sidestep.server.cli;

import picocli.CommandLine.Command;

/** {@code java -jar sidestep-server.jar COMMAND}: the relay's command line. */
@Command(
    name = "sidestep-server",
    mixinStandardHelpOptions = true,
    versionProvider = io.sidestep.core.cli.Cli.Versions.class,
    description =
        "Sidestep relay: a TLS forward proxy that looks like a small web site to strangers.",
    subcommands = {RunCommand.class, UsersCommand.class, FleetCommand.class})
public final class ServerMain {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command and returns its exit code: 0 ok, 1 failure, 2 bad usage. */
  public static int execute(String... args) {
    return io.sidestep.core.cli.Cli.commandLine(new ServerMain()).execute(args);
  }
}
