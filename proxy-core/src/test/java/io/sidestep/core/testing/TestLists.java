package io.sidestep.core.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Citizen Lab's URL test lists, kept in {@code ../shared/data/test-lists} beside the repository (CC
 * BY-NC-SA: test and benchmark input only, never bundled). The build passes the folder as {@code
 * -Dsidestep.testLists}; without it the folder is looked for beside the working tree.
 */
public final class TestLists {
  private TestLists() {}

  public static Path dir() {
    String configured = System.getProperty("sidestep.testLists");
    if (configured != null) {
      return Path.of(configured).normalize();
    }
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      Path candidate = p.resolveSibling("shared").resolve("data/test-lists");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return here.resolve("../shared/data/test-lists").normalize();
  }

  public static Path file(String name) {
    return dir().resolve(name);
  }
}
