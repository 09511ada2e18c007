package io.sidestep.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.netty.DialException;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class DoorTextTest {

  private static final Pattern NAME = Pattern.compile("\\{([a-z_]+)\\}");

  @Test
  void everyLanguageHasEveryKeyWithTheSameNames() {
    Map<String, String> english = DoorText.texts("en");
    for (String lang : DoorText.LANGUAGES) {
      Map<String, String> m = DoorText.texts(lang);
      assertThat(new TreeSet<>(m.keySet()))
          .as("keys of http/door_%s.properties", lang)
          .isEqualTo(new TreeSet<>(english.keySet()));
      assertThat(m.values()).as("no empty text in %s", lang).noneMatch(String::isBlank);
      for (String key : english.keySet()) {
        assertThat(names(m.get(key)))
            .as("the {names} of %s in %s", key, lang)
            .isEqualTo(names(english.get(key)));
      }
    }
  }

  @Test
  void everyKindOfFailureHasAText() {
    for (DialException.Kind kind : DialException.Kind.values()) {
      assertThat(DoorText.texts("en")).containsKey("door.kind." + kind.name());
    }
  }

  @Test
  void languageFromTheBrowser() {
    assertThat(DoorText.language("ru-RU,ru;q=0.9,en-US;q=0.8")).isEqualTo("ru");
    assertThat(DoorText.language("kk-KZ, ru;q=0.5")).isEqualTo("kk");
    assertThat(DoorText.language("de-DE, fr;q=0.5")).isEqualTo("en");
    assertThat(DoorText.language(null)).isEqualTo("en");
    assertThat(DoorText.language(";;;garbage")).isEqualTo("en");
  }

  private static TreeSet<String> names(String text) {
    TreeSet<String> names = new TreeSet<>();
    Matcher m = NAME.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }
}
