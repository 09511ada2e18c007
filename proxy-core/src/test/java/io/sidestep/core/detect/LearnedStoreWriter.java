package io.sidestep.core.detect;

import java.nio.file.Path;
import java.time.Clock;

/** Learns hosts forever; {@link LearnedStoreTest} kills it with SIGKILL mid-write. */
public final class LearnedStoreWriter {
  private LearnedStoreWriter() {}

  public static void main(String[] args) {
    LearnedStore store = new LearnedStore(Path.of(args[0]), Clock.systemUTC());
    for (long i = 0; ; i++) {
      store.learn(
          "host" + i + ".example",
          Evidence.of(
              Technique.TLS_RESET, "reset after ClientHello, 0 bytes read", Clock.systemUTC()));
    }
  }
}
