package io.sidestep.client.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.relay.AccessKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Keys naming several relays, from each source, beside single-relay keys. */
class RelayKeysTest {

  @Test
  void aMultiRelayKeyIsOneEntryPerRelayInItsSpreadOrder(@TempDir Path dir) throws Exception {
    String fleet = "sidestep://ann:tok@a.example:443,b.example:443,c.example:443#fleet";
    String single = "sidestep://bob:tok2@d.example:443#home";
    Path file = dir.resolve("keys");
    Files.writeString(file, "# my keys\n" + fleet + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    List<AccessKey> keys = RelayKeys.read(List.of(single), file, fleet);
    assertThat(keys).hasSize(7);
    assertThat(keys.get(0).label()).isEqualTo("home");
    assertThat(keys.subList(1, 4)).isEqualTo(AccessKey.parseAll(fleet));
    assertThat(keys.subList(4, 7)).isEqualTo(AccessKey.parseAll(fleet));
    assertThat(keys.subList(1, 4))
        .extracting(k -> k.relay().host())
        .containsExactlyInAnyOrder("a.example", "b.example", "c.example");
  }

  @Test
  void aBadRelayInTheListNamesItsSourceNotTheToken() {
    assertThatThrownBy(
            () -> RelayKeys.read(List.of("sidestep://ann:secret@a.example:443,,b:1"), null, null))
        .hasMessageStartingWith("--relay: access key: relay '' in the list")
        .hasMessageNotContaining("secret");
  }
}
