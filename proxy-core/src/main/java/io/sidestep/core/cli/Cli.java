package io.sidestep.core.cli;

import picocli.CommandLine;

/**
 * Shared command-line behaviour for the client and the relay: a bad option prints one clear line
 * and the usage, exit code 2; an {@link IllegalArgumentException} or {@link
 * java.io.UncheckedIOException} from a command prints its message, not a stack trace, exit code 1.
 */
public final class Cli {
  private Cli() {}

  public static CommandLine commandLine(Object command) {
    CommandLine cl = new CommandLine(command);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler(
        (ex, line, parseResult) -> {
          String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
          line.getErr().println(line.getCommandName() + ": " + msg);
          if (Boolean.getBoolean("sidestep.debug")) {
            ex.printStackTrace(line.getErr());
          }
          return 1;
        });
    return cl;
  }

  /** Reports the jar's version from its manifest. */
  public static final class Versions implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Cli.class.getPackage().getImplementationVersion();
      return new String[] {"Sidestep " + (v == null ? "development build" : v)};
    }
  }
}
