package io.sidestep.core.detect;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@link HttpDiff} needs of one HTTP response: status, header names and values (names lower
 * case), the body's length and the page title. Build one with the canonical constructor or {@link
 * #parse} from the raw bytes of a response (head and a body prefix).
 *
 * @param bodyLength the whole body's length when known (Content-Length), else the bytes seen
 * @param title the text of the first {@code <title>} element, trimmed; empty when there is none
 * @param words the body's distinct words ({@link #wordsOf})
 * @param text the first {@link #MAX_BODY_PREFIX} bytes of the body as UTF-8 text, for block-page
 *     fingerprints and blocking words; empty when unknown
 */
public record ResponseSummary(
    int status,
    Map<String, List<String>> headers,
    long bodyLength,
    String title,
    Set<String> words,
    String text) {

  /** Most distinct body words kept for the similarity check: 4,000. */
  public static final int MAX_WORDS = 4000;

  /** HTML's own vocabulary, which every page shares and which says nothing about which page. */
  static final Set<String> HTML_WORDS =
      Set.of(
          "html",
          "head",
          "body",
          "title",
          "meta",
          "charset",
          "utf-8",
          "doctype",
          "link",
          "script",
          "style",
          "content",
          "http",
          "https",
          "text",
          "type",
          "name",
          "class",
          "href",
          "div",
          "span",
          "width",
          "height",
          "viewport",
          "initial-scale",
          "device-width",
          "lang",
          "html5");

  /** A summary without body words (the similarity rule then does not apply). */
  public ResponseSummary(
      int status, Map<String, List<String>> headers, long bodyLength, String title) {
    this(status, headers, bodyLength, title, Set.of(), "");
  }

  /** A summary without the body's text (fingerprints on the body then do not match). */
  public ResponseSummary(
      int status,
      Map<String, List<String>> headers,
      long bodyLength,
      String title,
      Set<String> words) {
    this(status, headers, bodyLength, title, words, "");
  }

  /** The most body bytes {@link #parse} looks at for a title: 64 KiB. */
  public static final int MAX_BODY_PREFIX = 65536;

  private static final Pattern TITLE =
      Pattern.compile("<title[^>]*>(.*?)</title", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  public ResponseSummary {
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("status: " + status + " (expected: 100-999)");
    }
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach(
        (k, v) ->
            copy.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
    copy.replaceAll((k, v) -> List.copyOf(v));
    headers = Map.copyOf(copy);
    title = title == null ? "" : title.strip();
    words = words == null ? Set.of() : Set.copyOf(words);
    text = text == null ? "" : text;
  }

  /** The first value of a header (name case-insensitive). */
  public Optional<String> header(String name) {
    List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
  }

  /** Whether this is a redirect (3xx) with a Location. */
  public boolean redirect() {
    return status >= 300 && status < 400 && header("location").isPresent();
  }

  /**
   * Parses an HTTP/1.x response from its first bytes: the head and as much of the body as was read.
   *
   * @return empty when the bytes are not a complete HTTP/1.x response head
   */
  public static Optional<ResponseSummary> parse(byte[] data, int offset, int length) {
    int end = Math.min(length, 65536 + MAX_BODY_PREFIX);
    int headEnd = -1;
    for (int i = 0; i + 1 < end; i++) {
      if (data[offset + i] == '\n'
          && (data[offset + i + 1] == '\n'
              || (i + 2 < end && data[offset + i + 1] == '\r' && data[offset + i + 2] == '\n'))) {
        headEnd = data[offset + i + 1] == '\n' ? i + 2 : i + 3;
        break;
      }
    }
    if (headEnd < 0) {
      return Optional.empty();
    }
    String head = new String(data, offset, headEnd, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r?\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
      return Optional.empty();
    }
    int status;
    try {
      status = Integer.parseInt(statusLine[1]);
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    if (status < 100 || status > 999) {
      return Optional.empty();
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).trim());
      }
    }
    int bodySeen = Math.max(0, length - headEnd);
    long bodyLength = bodySeen;
    List<String> cl = headers.get("content-length");
    if (cl != null && cl.size() == 1) {
      try {
        bodyLength = Math.max(0, Long.parseLong(cl.get(0).trim()));
      } catch (NumberFormatException e) {
        // keep the bytes seen
      }
    }
    int prefix = Math.min(bodySeen, Math.min(MAX_BODY_PREFIX, end - headEnd));
    String body =
        prefix <= 0 ? "" : new String(data, offset + headEnd, prefix, StandardCharsets.UTF_8);
    return Optional.of(
        new ResponseSummary(status, headers, bodyLength, titleOf(body), wordsOf(body), body));
  }

  /**
   * The distinct words of an HTML prefix, markup included (tag and attribute names, class names,
   * paths): runs of letters, digits, {@code -} and {@code _} of 4 or more characters, lower case,
   * without HTML's own vocabulary. Two versions of one site (another language, another day) share
   * most of them; a block page and the site share almost none.
   */
  public static Set<String> wordsOf(String html) {
    Set<String> out = new java.util.HashSet<>();
    Matcher m = WORD.matcher(html);
    while (m.find() && out.size() < MAX_WORDS) {
      String w = m.group().toLowerCase(java.util.Locale.ROOT);
      if (!HTML_WORDS.contains(w)) {
        out.add(w);
      }
    }
    return out;
  }

  private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}_-]{4,}");

  /** The text of the first {@code <title>} in an HTML prefix, whitespace collapsed. */
  public static String titleOf(String html) {
    Matcher m = TITLE.matcher(html);
    return m.find() ? m.group(1).replaceAll("\\s+", " ").strip() : "";
  }

  /** {@code 200, 312 bytes, title 'Access denied'} for evidence text. */
  public String describe() {
    String t = title.length() > 40 ? title.substring(0, 39) + "…" : title;
    return status + ", " + bodyLength + " bytes" + (t.isEmpty() ? "" : ", title '" + t + "'");
  }
}
