package io.sidestep.core.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  @Test
  void replacesContentAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("users");
    AtomicFiles.write(f, "one\n".getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE);
    AtomicFiles.write(f, "two\n".getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE);
    assertThat(Files.readString(f)).isEqualTo("two\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .isEqualTo("rw-------");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("users");
    }
  }

  @Test
  void failureNamesTheFile(@TempDir Path dir) throws Exception {
    Path blocker = dir.resolve("file");
    Files.writeString(blocker, "x");
    assertThatThrownBy(
            () -> AtomicFiles.write(blocker.resolve("child"), new byte[1], AtomicFiles.PUBLIC))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("child");
  }

  @Test
  void privateDirectoryIsMode700(@TempDir Path dir) throws Exception {
    Path d = AtomicFiles.createPrivateDirectories(dir.resolve("a/state"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(d)))
        .isEqualTo("rwx------");
  }
}
