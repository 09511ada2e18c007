package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RulesTemplateTest {
  @TempDir Path dir;

  @Test
  void templateIsWrittenOnceAndParses() throws IOException {
    Path f = dir.resolve("state/rules.txt");
    assertThat(RulesTemplate.writeIfAbsent(f)).isTrue();
    assertThat(Files.readString(f)).isEqualTo(RulesTemplate.text()).contains("MATCH,AUTO");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)))
        .as("the user's rules say which sites they visit: owner-only")
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent())))
        .isEqualTo("rwx------");
    Files.writeString(f, "DOMAIN,mine.example,RELAY\n");
    assertThat(RulesTemplate.writeIfAbsent(f)).as("never overwrites").isFalse();
    assertThat(Files.readString(f)).isEqualTo("DOMAIN,mine.example,RELAY\n");
  }

  @Test
  void templateRulesWork() throws IOException {
    Path f = dir.resolve("rules.txt");
    RulesTemplate.writeIfAbsent(f);
    Rules r = Rules.load(f, dir.resolve("learned.rules"));
    assertThat(r.warnings()).isEmpty();
    assertThat(r.decide(Destination.parse("192.168.1.1", 80)).action()).isEqualTo(Action.DIRECT);
    assertThat(r.decide(Destination.parse("example.org", 443)).action()).isEqualTo(Action.AUTO);
  }
}
