package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OptionValuesTest {
  @TempDir Path tmp;

  @Test
  void aNewStateDirectoryIsOwnerOnly() throws Exception {
    Path state = OptionValues.stateDir(tmp.resolve("home/.sidestep"));
    assertThat(state).isDirectory();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state)))
        .as("it holds the hosts the user visits")
        .isEqualTo("rwx------");
    assertThat(OptionValues.stateDir(state))
        .as("an existing one is used as it is")
        .isEqualTo(state);
  }
}
