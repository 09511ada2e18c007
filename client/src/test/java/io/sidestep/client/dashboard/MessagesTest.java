package io.sidestep.client.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MessagesTest {

  @Test
  void everyLanguageHasEveryKey() {
    Map<String, String> english = Messages.of("en");
    for (String lang : Messages.LANGUAGES) {
      Map<String, String> m = Messages.of(lang);
      assertThat(new TreeSet<>(m.keySet()))
          .as("keys of messages_%s.properties", lang)
          .isEqualTo(new TreeSet<>(english.keySet()));
      assertThat(m.values()).as("no empty text in %s", lang).noneMatch(String::isBlank);
    }
  }

  @Test
  void everyKeyThePageAndScriptUseExists() throws Exception {
    Map<String, String> english = Messages.of("en");
    String page = resource("index.html");
    Matcher m = Pattern.compile("\\{\\{([a-z0-9_.-]+)\\}\\}").matcher(page);
    while (m.find()) {
      String key = m.group(1);
      if (!key.equals("lang") && !key.equals("token") && !key.equals("messages-json")) {
        assertThat(english).as("index.html uses %s", key).containsKey(key);
      }
    }
    Matcher js =
        Pattern.compile("(?<![\\w.])t\\(\"([a-z0-9_.]+)\"\\)").matcher(resource("dashboard.js"));
    while (js.find()) {
      assertThat(english).as("dashboard.js uses %s", js.group(1)).containsKey(js.group(1));
    }
    for (String route : new String[] {"direct", "relay", "reject", "none"}) {
      assertThat(english).containsKey("route." + route);
    }
  }

  @Test
  void languageFromTheAskOrTheBrowser() {
    assertThat(Messages.choose("kk", "ru")).isEqualTo("kk");
    assertThat(Messages.choose(null, "ru-RU,ru;q=0.9,en-US;q=0.8")).isEqualTo("ru");
    assertThat(Messages.choose(null, "kk-KZ, ru;q=0.5")).isEqualTo("kk");
    assertThat(Messages.choose(null, "de-DE, fr;q=0.5")).isEqualTo("en");
    assertThat(Messages.choose("xx", null)).isEqualTo("en");
    assertThat(Messages.choose(null, ";;;garbage")).isEqualTo("en");
  }

  private static String resource(String name) throws Exception {
    try (var in = MessagesTest.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
