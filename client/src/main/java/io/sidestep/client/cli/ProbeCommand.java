package io.sidestep.client.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code probe}: not built yet. */
@Command(name = "probe", mixinStandardHelpOptions = true, description = "Not built yet.")
final class ProbeCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("sidestep-client probe: not built yet");
    return 1;
  }
}
