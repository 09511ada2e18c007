package io.sidestep.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code explain}: not built yet. */
@Command(name = "explain", mixinStandardHelpOptions = true, description = "Not built yet.")
final class ExplainCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("sidestep-client explain: not built yet");
    return 1;
  }
}
