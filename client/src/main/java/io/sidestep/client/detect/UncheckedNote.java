package io.sidestep.client.detect;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The note a user sees on a suspect page that was not compared with the relay's ({@code --compare
 * never}): a small box at the top of the page. A header would be seen by nobody, and a log line
 * only by whoever reads the log, so the note goes into the page itself, but only where that cannot
 * break it: a whole {@code text/html} response framed by its Content-Length, neither compressed nor
 * chunked. Anything else is left as it came (the connection's log line still says it).
 */
final class UncheckedNote {

  private UncheckedNote() {}

  static final String NOTE =
      "<div style=\"all:initial;display:block;font:13px sans-serif;background:#fff3cd;"
          + "color:#000;padding:6px;border:1px solid #d4a72c\">Sidestep: this page may be a"
          + " censor's block page. It was not checked against the relay (--compare never).</div>";

  private static final Pattern BODY = Pattern.compile("<body\\b[^>]*>", Pattern.CASE_INSENSITIVE);

  /** {@code response} with the note after its {@code <body>} tag, or empty when it cannot be. */
  static Optional<byte[]> inject(byte[] response) {
    String all = new String(response, StandardCharsets.ISO_8859_1);
    int headEnd = all.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return Optional.empty();
    }
    String head = all.substring(0, headEnd);
    String lower = head.toLowerCase(Locale.ROOT);
    if (!header(lower, "content-type").startsWith("text/html")
        || !header(lower, "content-encoding").isEmpty()
        || !header(lower, "transfer-encoding").isEmpty()) {
      return Optional.empty();
    }
    String body = all.substring(headEnd + 4);
    String length = header(lower, "content-length");
    if (!length.equals(String.valueOf(body.length()))) {
      return Optional.empty();
    }
    Matcher m = BODY.matcher(body);
    int at = m.find() ? m.end() : 0;
    String newBody = body.substring(0, at) + NOTE + body.substring(at);
    String newHead =
        head.replaceFirst(
            "(?im)^content-length:[ \\t]*\\d+[ \\t]*$", "Content-Length: " + newBody.length());
    return Optional.of((newHead + "\r\n\r\n" + newBody).getBytes(StandardCharsets.ISO_8859_1));
  }

  /** The value of the only header {@code name} in a lower-cased head, or "" (none, or several). */
  private static String header(String head, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + ":[ \\t]*(.*?)[ \\t]*\\r?$").matcher(head);
    if (!m.find()) {
      return "";
    }
    String v = m.group(1);
    return m.find() ? "" : v;
  }
}
