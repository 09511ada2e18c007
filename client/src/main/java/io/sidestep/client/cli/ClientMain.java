package io.sidestep.client.cli;

import picocli.CommandLine.Command;

/** {@code java -jar sidestep-client.jar COMMAND}: the client's command line. */
@Command(
    name = "sidestep-client",
    mixinStandardHelpOptions = true,
    versionProvider = io.sidestep.core.cli.Cli.Versions.class,
    description =
        "Sidestep client: a local HTTP and SOCKS5 proxy that routes blocked sites through a relay.",
    subcommands = {RunCommand.class, ExplainCommand.class, ProbeCommand.class})
public final class ClientMain {

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs a command and returns its exit code: 0 ok, 1 failure, 2 bad usage. */
  public static int execute(String... args) {
    return io.sidestep.core.cli.Cli.commandLine(new ClientMain()).execute(args);
  }
}
