package io.sidestep.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code run}: not built yet. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Not built yet.")
final class RunCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("sidestep-server run: not built yet");
    return 1;
  }
}
