package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.server.internal.UsersFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Limits as the command line and the users file write them. */
class LimitsTest {

  @Test
  void sizesAreDecimalUnlessBinaryAndRatesAreBitsUnlessBytes() {
    assertThat(Limits.parseSize("50GB")).isEqualTo(50_000_000_000L);
    assertThat(Limits.parseSize("1.5TiB")).isEqualTo((long) (1.5 * (1L << 40)));
    assertThat(Limits.parseSize("1000")).isEqualTo(1000);
    assertThat(Limits.parseRate("10Mbit/s")).isEqualTo(10_000_000);
    assertThat(Limits.parseRate("2MB/s")).isEqualTo(16_000_000);
    assertThat(Limits.parseWindow("50GB/30d", Limits.NONE))
        .isEqualTo(Limits.NONE.withWindow(50_000_000_000L, 30));
    assertThat(Limits.formatSize(50_000_000_000L)).isEqualTo("50GB");
    assertThat(Limits.formatSize(1_500)).isEqualTo("1500B");
    assertThat(Limits.formatRate(10_000_000)).isEqualTo("10Mbit/s");
  }

  @Test
  void badValuesSayWhatWasExpected() {
    assertThatThrownBy(() -> Limits.parseWindow("50GB", Limits.NONE))
        .hasMessage("limit: '50GB' (expected: SIZE/DAYSd, like 50GB/30d, 1-3660 days)");
    assertThatThrownBy(() -> Limits.parseWindow("50GB/0d", Limits.NONE))
        .hasMessageContaining("1-3660 days");
    assertThatThrownBy(() -> Limits.parseSize("lots")).hasMessageStartingWith("size: 'lots'");
    assertThatThrownBy(() -> Limits.parseRate("10Mbps")).hasMessageStartingWith("rate: '10Mbps'");
    assertThatThrownBy(() -> Limits.parseDate("31.01.2027"))
        .hasMessage("expires: '31.01.2027' (expected: YYYY-MM-DD)");
    assertThatThrownBy(() -> Limits.parseCount("0")).hasMessageContaining("at least 1");
  }

  @Test
  void theUsersFileKeepsLimitsAndStillReadsLinesWithout(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("users");
    Limits all =
        Limits.NONE
            .withWindow(50_000_000_000L, 30)
            .withLifetime(1_000_000_000_000L)
            .withExpires(LocalDate.parse("2027-01-31"))
            .withMaxConns(3)
            .withRate(10_000_000);
    Instant created = Instant.parse("2026-01-01T00:00:00Z");
    UsersFile.write(
        file,
        List.of(
            new UsersFile.Entry("a", UsersFile.hash("t1"), created, all),
            new UsersFile.Entry("b", UsersFile.hash("t2"), created)));
    assertThat(Files.readString(file))
        .contains(
            "a sha256:"
                + java.util.HexFormat.of().formatHex(UsersFile.hash("t1"))
                + " 2026-01-01T00:00:00Z limit=50GB/30d lifetime=1TB expires=2027-01-31"
                + " max-conns=3 rate=10Mbit/s\n");
    assertThat(UsersFile.read(file).get("a").limits()).isEqualTo(all);
    assertThat(UsersFile.read(file).get("b").limits()).isEqualTo(Limits.NONE);

    Files.writeString(file, "c sha256:" + "0".repeat(64) + " 2026-01-01T00:00:00Z speed=fast\n");
    assertThatThrownBy(() -> UsersFile.read(file))
        .hasMessageContaining("users:1: 'speed' (expected: limit=, lifetime=, expires=,");
  }
}
