package io.sidestep.core.detect;

import java.nio.file.Path;
import java.time.Clock;

/**
 * A second process for {@link LearnedStoreTest}: {@code STATE} learns hosts forever (to be killed
 * with SIGKILL mid-write); {@code STATE PREFIX COUNT} learns {@code COUNT} hosts, one write each,
 * and exits.
 */
public final class LearnedStoreWriter {
  private LearnedStoreWriter() {}

  public static void main(String[] args) {
    LearnedStore store = new LearnedStore(Path.of(args[0]), Clock.systemUTC());
    String prefix = args.length > 1 ? args[1] : "host";
    long count = args.length > 2 ? Long.parseLong(args[2]) : Long.MAX_VALUE;
    for (long i = 0; i < count; i++) {
      store.learn(
          prefix + i + ".example",
          Evidence.of(
              Technique.TLS_RESET, "reset after ClientHello, 0 bytes read", Clock.systemUTC()));
    }
  }
}
