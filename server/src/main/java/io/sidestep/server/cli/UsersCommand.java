package io.sidestep.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code users}: not built yet. */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Not built yet.")
final class UsersCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("sidestep-server users: not built yet");
    return 1;
  }
}
