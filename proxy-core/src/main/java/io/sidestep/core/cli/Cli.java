package io.sidestep.core.cli;

import io.sidestep.core.net.Printable;
import java.util.Arrays;
import java.util.stream.Collectors;
import picocli.CommandLine;

/**
 * Shared command-line behaviour for the client and the relay: a bad option prints one clear line
 * and the usage, exit code 2; an {@link IllegalArgumentException} or {@link
 * java.io.UncheckedIOException} from a command prints its message, not a stack trace, exit code 1.
 * Control characters a message quotes (from an option value, say) are printed as escapes.
 */
public final class Cli {
  private Cli() {}

  public static CommandLine commandLine(Object command) {
    CommandLine cl = new CommandLine(command);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    CommandLine.IParameterExceptionHandler usage = cl.getParameterExceptionHandler();
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          String msg = ex.getMessage() == null ? null : printable(ex.getMessage());
          return usage.handleParseException(
              msg == null || msg.equals(ex.getMessage())
                  ? ex
                  : new CommandLine.ParameterException(ex.getCommandLine(), msg, ex),
              args);
        });
    cl.setExecutionExceptionHandler(
        (ex, line, parseResult) -> {
          String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
          line.getErr().println(line.getCommandName() + ": " + printable(msg));
          if (Boolean.getBoolean("sidestep.debug")) {
            ex.printStackTrace(line.getErr());
          }
          return 1;
        });
    return cl;
  }

  /**
   * {@code message} as it may be printed: an option value or a name quoted in it keeps its control
   * characters (a terminal escape, say) only as escapes. Its own line breaks stay.
   */
  static String printable(String message) {
    if (!Printable.hasHidden(message.replace("\n", ""))) {
      return message;
    }
    return Arrays.stream(message.split("\n", -1))
        .map(Printable::escape)
        .collect(Collectors.joining("\n"));
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
