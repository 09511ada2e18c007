package io.sidestep.core.files;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatcherTest {
  @TempDir Path dir;

  @Test
  void seesEditsAppearingAndVanishingFilesOnce() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Files.writeString(a, "one");
    FileWatcher w = new FileWatcher(List.of(a, b));
    assertThat(w.changed()).isFalse();

    Files.writeString(a, "one more");
    assertThat(w.changed()).isTrue();
    assertThat(w.changed()).as("seen now").isFalse();

    Files.writeString(b, "new");
    assertThat(w.changed()).as("a file that appears").isTrue();
    Files.delete(b);
    assertThat(w.changed()).as("a file that vanishes").isTrue();
    assertThat(w.changed()).isFalse();
  }

  @Test
  void aRenameOverTheFileIsAChangeEvenWithTheSameSizeAndTime() throws Exception {
    Path a = dir.resolve("a");
    Files.writeString(a, "same");
    FileTime t = Files.getLastModifiedTime(a);
    FileWatcher w = new FileWatcher(List.of(a));
    Path tmp = dir.resolve("a.tmp");
    Files.writeString(tmp, "sane");
    Files.setLastModifiedTime(tmp, t);
    Files.move(tmp, a, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    assertThat(w.changed()).isTrue();
  }

  @Test
  void watchKeepsWhatWasSeenOfFilesItAlreadyWatched() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Files.writeString(a, "one");
    FileWatcher w = new FileWatcher(List.of(a));
    Files.writeString(a, "edited before the set grew");
    Files.writeString(b, "b");
    w.watch(List.of(a, b));
    assertThat(w.files()).containsExactlyInAnyOrder(a, b);
    assertThat(w.changed()).as("the edit to a is not lost").isTrue();
    assertThat(w.changed()).isFalse();
    w.watch(List.of(b));
    Files.writeString(a, "no longer watched");
    assertThat(w.changed()).isFalse();
  }
}
