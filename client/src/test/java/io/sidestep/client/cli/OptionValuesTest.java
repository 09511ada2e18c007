package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.core.detect.BlockFingerprints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
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

  @Test
  void compareIsSuspiciousOrNever() {
    assertThat(OptionValues.compare("never")).isEqualTo(DetectionSettings.Compare.NEVER);
    assertThat(OptionValues.compare("Suspicious")).isEqualTo(DetectionSettings.Compare.SUSPICIOUS);
    assertThatThrownBy(() -> OptionValues.compare("sometimes"))
        .hasMessage("--compare: 'sometimes' (expected: suspicious, never)");
  }

  @Test
  void fingerprintFilesAreReadOrNamed() throws Exception {
    Path f = tmp.resolve("fp.csv");
    Files.writeString(
        f, "name,scope,location_found,pattern_type,pattern\nx,isp,header.server,full,Filter\n");
    assertThat(OptionValues.fingerprints(List.of(f)).size())
        .isEqualTo(BlockFingerprints.VAGUE_WORDS.size() + 1);
    assertThatThrownBy(() -> OptionValues.fingerprints(List.of(tmp.resolve("none.csv"))))
        .hasMessageContaining("--block-fingerprints: ")
        .hasMessageEndingWith("none.csv cannot be read (expected: a CSV file)");
    Files.writeString(f, "name,scope,location_found,pattern_type,pattern\nx,isp,body,glob,y\n");
    assertThatThrownBy(() -> OptionValues.fingerprints(List.of(f)))
        .hasMessageEndingWith(
            "fp.csv:2: unknown pattern_type 'glob' (expected: full, prefix, contains, regexp)");
  }
}
