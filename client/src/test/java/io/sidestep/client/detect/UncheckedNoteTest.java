package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UncheckedNoteTest {

  private static Optional<String> inject(String response) {
    return UncheckedNote.inject(response.getBytes(StandardCharsets.ISO_8859_1))
        .map(b -> new String(b, StandardCharsets.ISO_8859_1));
  }

  private static String page(String extraHeaders, String body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        + extraHeaders
        + "Content-Length: "
        + body.length()
        + "\r\n\r\n"
        + body;
  }

  @Test
  void aWholeHtmlPageGetsTheNoteAfterItsBodyTagAndANewLength() {
    String out =
        inject(page("", "<html><BODY class=x><p>Blocked.</p></body></html>")).orElseThrow();
    String body = "<html><BODY class=x>" + UncheckedNote.NOTE + "<p>Blocked.</p></body></html>";
    assertThat(out).endsWith("\r\n\r\n" + body).contains("Content-Length: " + body.length());
  }

  @Test
  void aPageWithoutABodyTagGetsItFirst() {
    assertThat(inject(page("", "Blocked.")).orElseThrow())
        .endsWith(UncheckedNote.NOTE + "Blocked.");
  }

  @Test
  void whatCouldBreakIsLeftAsItCame() {
    assertThat(inject(page("Content-Encoding: gzip\r\n", "<body>x</body>"))).isEmpty();
    assertThat(inject("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx"))
        .isEmpty();
    assertThat(
            inject(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "1\r\nx\r\n0\r\n\r\n"))
        .isEmpty();
    assertThat(inject("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 99\r\n\r\nx"))
        .as("not all of it held")
        .isEmpty();
  }
}
