package io.sidestep.client.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of the door's own pages in the browser's language (the best match of its {@code
 * Accept-Language}, else English), from {@code http/door_LANG.properties}: UTF-8, one {@code key =
 * text} a line with {@code {name}} for what the door fills in, editable without touching code. The
 * dashboard speaks the same languages and matches {@code Accept-Language} here too.
 */
public final class DoorText {

  /** The languages there are texts for, the default first. */
  public static final List<String> LANGUAGES = List.of("en", "ru", "kk");

  private static final Pattern NAME = Pattern.compile("\\{([a-z_]+)\\}");

  private static final Map<String, Map<String, String>> TEXTS = load();

  private final Map<String, String> texts;

  private DoorText(Map<String, String> texts) {
    this.texts = texts;
  }

  /** The texts for the language {@code request} asks for. */
  static DoorText of(HttpRequest request) {
    return new DoorText(
        TEXTS.get(language(request.headers().get(HttpHeaderNames.ACCEPT_LANGUAGE))));
  }

  /** The best match of {@code acceptLanguage} among {@link #LANGUAGES}, else English. */
  public static String language(String acceptLanguage) {
    if (acceptLanguage != null && !acceptLanguage.isBlank()) {
      try {
        String tag = Locale.lookupTag(Locale.LanguageRange.parse(acceptLanguage), LANGUAGES);
        if (tag != null) {
          return tag;
        }
      } catch (IllegalArgumentException e) {
        // a malformed header: the default
      }
    }
    return LANGUAGES.get(0);
  }

  /** The texts of {@code language} by key. */
  static Map<String, String> texts(String language) {
    return TEXTS.get(language);
  }

  /**
   * The text of {@code key} with each {@code {name}} replaced: {@code names} are name, value, name,
   * value…
   */
  String get(String key, String... names) {
    String text = texts.get(key);
    if (text == null) {
      throw new IllegalStateException("http door: no text for " + key);
    }
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i + 1 < names.length; i += 2) {
      values.put(names[i], names[i + 1]);
    }
    // One pass, so a value that holds braces is never filled in itself.
    return NAME.matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement(values.getOrDefault(m.group(1), m.group())));
  }

  private static Map<String, Map<String, String>> load() {
    Map<String, Map<String, String>> all = new LinkedHashMap<>();
    for (String language : LANGUAGES) {
      String name = "http/door_" + language + ".properties";
      try (InputStream in = DoorText.class.getClassLoader().getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("http door: " + name + " is missing from the jar");
        }
        Properties p = new Properties();
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        Map<String, String> m = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
        all.put(language, Map.copyOf(m));
      } catch (IOException e) {
        throw new UncheckedIOException("http door: cannot read " + name, e);
      }
    }
    return Map.copyOf(all);
  }
}
