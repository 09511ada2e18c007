package io.sidestep.client.dashboard;

import io.sidestep.client.http.DoorText;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The dashboard's strings in each language, from {@code dashboard/messages_LANG.properties} (UTF-8,
 * one {@code key = text} a line, editable without touching code). The language is the one asked
 * for, else the best match of {@code Accept-Language}, else English.
 */
final class Messages {

  /** The languages there are strings for, the default first. */
  static final List<String> LANGUAGES = DoorText.LANGUAGES;

  private Messages() {}

  /** The strings of {@code language} (one of {@link #LANGUAGES}), by key. */
  static Map<String, String> of(String language) {
    String name = "dashboard/messages_" + language + ".properties";
    try (InputStream in = Messages.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("dashboard: " + name + " is missing from the jar");
      }
      Properties p = new Properties();
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      Map<String, String> m = new TreeMap<>();
      p.stringPropertyNames().forEach(k -> m.put(k, p.getProperty(k)));
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("dashboard: cannot read " + name, e);
    }
  }

  /**
   * The language to show: {@code asked} when it is one there are strings for, else the first of
   * {@code acceptLanguage} there are, else English.
   */
  static String choose(String asked, String acceptLanguage) {
    if (asked != null && LANGUAGES.contains(asked.toLowerCase(Locale.ROOT))) {
      return asked.toLowerCase(Locale.ROOT);
    }
    return DoorText.language(acceptLanguage);
  }
}
