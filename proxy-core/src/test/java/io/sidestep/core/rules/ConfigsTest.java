package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.route.Destination;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The example rules and presets in configs/ parse, so they never rot. */
class ConfigsTest {
  private static final Path CONFIGS = Path.of("..", "configs");

  private static Action act(Rules r, String hostPort) {
    return r.decide(Destination.parse(hostPort, 443)).action();
  }

  @Test
  void exampleRulesFileParsesWithEveryList() {
    Path f = CONFIGS.resolve("rules.txt");
    assertThat(f).exists();
    Rules r = Rules.load(f, null);
    assertThat(r.warnings()).as("every line of every example list is usable").isEmpty();
    assertThat(act(r, "www.example.org")).isEqualTo(Action.RELAY);
    assertThat(act(r, "ads.example.com")).isEqualTo(Action.REJECT);
    assertThat(act(r, "mail.example:25")).isEqualTo(Action.REJECT);
    assertThat(act(r, "a.blocked-site.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "allowed.blocked-site.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "x.regex-example.net")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.clash-suffix.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.clash-domain.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "exact-name.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "www.csv-example.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "198.51.100.1")).isEqualTo(Action.RELAY);
    assertThat(act(r, "xn--e1afmkfd.xn--80akhbyknj4f")).isEqualTo(Action.RELAY);
    assertThat(act(r, "192.168.1.1:80")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "unlisted.example")).isEqualTo(Action.AUTO);
  }

  @Test
  void kazakhstanPresetParses() throws Exception {
    Path f = CONFIGS.resolve("presets/kz.rules");
    Rules r = Rules.load(f, null);
    assertThat(r.warnings()).isEmpty();
    assertThat(act(r, "www.gov.kz")).isEqualTo(Action.RELAY);
    assertThat(act(r, "kz")).isEqualTo(Action.RELAY);
    assertThat(act(r, "someone.livejournal.com")).isEqualTo(Action.RELAY);
    assertThat(act(r, "www.liveinternet.ru")).isEqualTo(Action.RELAY);
    assertThat(act(r, "example.com")).isEqualTo(Action.AUTO);
    assertThat(Files.readString(f)).contains("local-server policy");
  }
}
