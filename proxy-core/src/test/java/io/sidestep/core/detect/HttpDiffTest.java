package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.detect.HttpDiff.RedirectCheck;
import io.sidestep.core.testing.ManualClock;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HttpDiffTest {
  private final ManualClock clock = ManualClock.atDefault();
  private final HttpDiff diff = new HttpDiff(clock);

  private static ResponseSummary resp(int status, long length, String title, String... headers) {
    Map<String, List<String>> h = new LinkedHashMap<>();
    for (int i = 0; i + 1 < headers.length; i += 2) {
      h.put(headers[i], List.of(headers[i + 1]));
    }
    return new ResponseSummary(status, h, length, title);
  }

  private static final ResponseSummary SITE =
      resp(
          200,
          48_213,
          "Example News — front page",
          "Server",
          "nginx",
          "X-Site-Build",
          "4711",
          "Content-Type",
          "text/html");

  @Test
  void aSmallUnrelatedPageIsABlockPage() {
    ResponseSummary block =
        resp(200, 312, "Access denied", "Server", "nginx", "Content-Type", "text/html");
    HttpDiff.Verdict v = diff.compare("news.example", block, SITE, RedirectCheck.UNCHECKED);
    assertThat(v).isInstanceOf(HttpDiff.Verdict.BlockPage.class);
    Evidence e = ((HttpDiff.Verdict.BlockPage) v).evidence();
    assertThat(e.technique()).isEqualTo(Technique.HTTP_BLOCKPAGE);
    assertThat(e.text())
        .isEqualTo(
            "direct 200, 312 bytes, title 'Access denied'; relay 200, 48213 bytes, title"
                + " 'Example News — front page'; body ratio 0.01, no shared title word, no shared"
                + " uncommon header");
  }

  @Test
  void aDifferentStatusIsABlockPage() {
    HttpDiff.Verdict v =
        diff.compare(
            "news.example", resp(403, 48_000, "Example News"), SITE, RedirectCheck.UNCHECKED);
    assertThat(v).isInstanceOf(HttpDiff.Verdict.BlockPage.class);
    assertThat(((HttpDiff.Verdict.BlockPage) v).evidence().text()).startsWith("status differs");
  }

  @Test
  void anyOneSimilarityKeepsItTheSamePage() {
    // Similar length.
    assertThat(diff.compare("n.example", resp(200, 40_000, "Other"), SITE, RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.Same.class);
    // A shared title word of five letters or more ("example" is 7).
    HttpDiff.Verdict title =
        diff.compare(
            "n.example", resp(200, 900, "Example maintenance"), SITE, RedirectCheck.UNCHECKED);
    assertThat(title).isEqualTo(new HttpDiff.Verdict.Same("shared title word 'example'"));
    // A shared uncommon header.
    HttpDiff.Verdict header =
        diff.compare(
            "n.example", resp(200, 900, "", "x-site-build", "4712"), SITE, RedirectCheck.UNCHECKED);
    assertThat(header).isEqualTo(new HttpDiff.Verdict.Same("shared header 'x-site-build'"));
  }

  @Test
  void shortTitleWordsAndCommonHeadersDoNotCount() {
    ResponseSummary relay = resp(200, 10_000, "The big news", "Server", "a", "Date", "x");
    ResponseSummary direct = resp(200, 100, "The big page", "Server", "b", "Date", "y");
    assertThat(diff.compare("n.example", direct, relay, RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.BlockPage.class);
  }

  @Test
  void theBodyRatioBoundaryIsInclusive() {
    assertThat(HttpDiff.ratio(700, 1000)).isEqualTo(0.7);
    assertThat(
            diff.compare(
                "n.example", resp(200, 700, "a"), resp(200, 1000, "b"), RedirectCheck.UNCHECKED))
        .as("0.7 counts as different")
        .isInstanceOf(HttpDiff.Verdict.BlockPage.class);
    assertThat(
            diff.compare(
                "n.example", resp(200, 701, "a"), resp(200, 1000, "b"), RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.Same.class);
    assertThat(HttpDiff.ratio(0, 0)).isEqualTo(1.0);
  }

  @Test
  void aRelayServerErrorProvesNothing() {
    assertThat(
            diff.compare(
                "n.example",
                resp(200, 10, "x"),
                resp(502, 100, "Bad gateway"),
                RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.Unknown.class);
  }

  @Test
  void aRedirectToAnUnconfirmedHostIsABlockPage() {
    ResponseSummary direct = resp(302, 0, "", "Location", "http://warning.censor.example/?site=n");
    ResponseSummary relay = resp(302, 0, "", "Location", "https://n.example/");
    assertThat(HttpDiff.redirectHostToConfirm("n.example", direct, relay))
        .contains("warning.censor.example");
    HttpDiff.Verdict v = diff.compare("n.example", direct, relay, RedirectCheck.NOT_CONFIRMED);
    assertThat(v).isInstanceOf(HttpDiff.Verdict.BlockPage.class);
    assertThat(((HttpDiff.Verdict.BlockPage) v).evidence().text())
        .startsWith("direct redirects to warning.censor.example, which the relay does not confirm");
    assertThat(diff.compare("n.example", direct, relay, RedirectCheck.CONFIRMED))
        .as("a confirmed host: the other rules decide (same status, both empty)")
        .isInstanceOf(HttpDiff.Verdict.Same.class);
  }

  @Test
  void aRedirectToANonPublicAddressIsABlockPageWithoutAsking() {
    ResponseSummary direct = resp(302, 0, "", "Location", "http://10.10.34.34/blocked");
    ResponseSummary relay = resp(301, 0, "", "Location", "https://n.example/");
    assertThat(HttpDiff.redirectHostToConfirm("n.example", direct, relay)).isEmpty();
    HttpDiff.Verdict v =
        diff.compare(
            "n.example",
            resp(302, 0, "", "Location", "http://10.10.34.34/blocked"),
            resp(302, 0, "", "Location", "https://n.example/"),
            RedirectCheck.UNCHECKED);
    assertThat(((HttpDiff.Verdict.BlockPage) v).evidence().text())
        .startsWith("direct redirects to non-public address 10.10.34.34");
  }

  @Test
  void theSameRedirectOnBothSidesIsFine() {
    ResponseSummary both = resp(301, 0, "", "Location", "https://www.n.example/");
    assertThat(HttpDiff.redirectHostToConfirm("n.example", both, both)).isEmpty();
    assertThat(diff.compare("n.example", both, both, RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.Same.class);
    ResponseSummary relative = resp(302, 0, "", "Location", "/login");
    assertThat(HttpDiff.redirectHostToConfirm("n.example", relative, relative)).isEmpty();
  }

  private static ResponseSummary raw(String body) {
    byte[] b =
        ("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length
                + "\r\n\r\n"
                + body)
            .getBytes(StandardCharsets.UTF_8);
    return ResponseSummary.parse(b, 0, b.length).orElseThrow();
  }

  @Test
  void aBlockPageAsLongAsASmallSitesPageIsCaughtByItsTitleAndWords() {
    ResponseSummary site =
        raw(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Lab site"
                + " injected.rue5f.test</title></head><body><h1>injected.rue5f.test</h1><p"
                + " id=\"marker\">SIDESTEP-LAB-T10-rue5f</p></body></html>");
    ResponseSummary block =
        raw(
            "<!doctype html><html><head><title>Access restricted</title></head><body><h1>Access"
                + " to this resource is restricted</h1><p>By decision of the competent authority"
                + " this resource is blocked.</p></body></html>");
    assertThat(HttpDiff.ratio(block.bodyLength(), site.bodyLength())).isGreaterThan(0.7);
    HttpDiff.Verdict v = diff.compare("injected.example", block, site, RedirectCheck.UNCHECKED);
    assertThat(v).isInstanceOf(HttpDiff.Verdict.BlockPage.class);
    assertThat(((HttpDiff.Verdict.BlockPage) v).evidence().text())
        .contains("titles share no word, body words 0% alike");
  }

  @Test
  void theSameSiteInAnotherLanguageIsTheSamePage() {
    String page =
        "<html><head><title>%s</title><link rel=\"stylesheet\" href=\"/static/main-4f2a.css\">"
            + "</head><body><nav class=\"navbar-primary\"><a href=\"/novosti\">%s</a><a"
            + " href=\"/kontakty\">%s</a></nav><div class=\"article-list\" data-section=\"front\">"
            + "%s</div><script src=\"/static/bundle-91c3.js\"></script></body></html>";
    ResponseSummary kazakh =
        raw(String.format(page, "Жаңалықтар порталы", "Жаңалықтар", "Байланыс", "Бүгін"));
    ResponseSummary english =
        raw(String.format(page, "Welcome to the newsroom", "News", "Contact", "Today"));
    assertThat(HttpDiff.titlesDisagree(kazakh, english)).isTrue();
    assertThat(HttpDiff.similarity(kazakh.words(), english.words())).isGreaterThan(0.3);
    assertThat(diff.compare("news.example", kazakh, english, RedirectCheck.UNCHECKED))
        .isInstanceOf(HttpDiff.Verdict.Same.class);
  }

  @Test
  void shortTitlesOrMissingWordsProveNothing() {
    assertThat(HttpDiff.titlesDisagree(resp(200, 1, "BBC"), resp(200, 1, "CNN"))).isFalse();
    assertThat(HttpDiff.titlesDisagree(resp(200, 1, ""), resp(200, 1, "Welcome home"))).isFalse();
    assertThat(HttpDiff.similarity(java.util.Set.of(), java.util.Set.of("abcd"))).isEqualTo(1.0);
    assertThat(ResponseSummary.wordsOf("<html><body class=\"main-page\">Hello wide World</body>"))
        .containsExactlyInAnyOrder("main-page", "hello", "wide", "world");
  }

  @Test
  void summariesParseFromRawResponses() {
    String raw =
        "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Thing: 1\r\nx-thing: 2\r\nContent-Length: 5000\r\n"
            + "\r\n<html><head><TITLE>\n  Hello   World\n</title></head>";
    byte[] b = raw.getBytes(StandardCharsets.UTF_8);
    ResponseSummary r = ResponseSummary.parse(b, 0, b.length).orElseThrow();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.bodyLength()).as("from Content-Length").isEqualTo(5000);
    assertThat(r.title()).isEqualTo("Hello World");
    assertThat(r.headers().get("x-thing")).containsExactly("1", "2");
    assertThat(r.header("SERVER")).contains("nginx");
    byte[] noLength =
        "HTTP/1.0 302 Found\nLocation: http://x/\n\nabc".getBytes(StandardCharsets.UTF_8);
    ResponseSummary r2 = ResponseSummary.parse(noLength, 0, noLength.length).orElseThrow();
    assertThat(r2.bodyLength()).isEqualTo(3);
    assertThat(r2.redirect()).isTrue();
    assertThat(ResponseSummary.parse("HTTP/1.1 200 OK\r\nX: y".getBytes(), 0, 21)).isEmpty();
    assertThat(ResponseSummary.parse("SSH-2.0\r\n\r\n".getBytes(), 0, 11)).isEmpty();
    assertThat(ResponseSummary.parse("HTTP/1.1 abc\r\n\r\n".getBytes(), 0, 16)).isEmpty();
    assertThat(ResponseSummary.parse("HTTP/1.1 99 x\r\n\r\n".getBytes(), 0, 17)).isEmpty();
    assertThat(Optional.of(ResponseSummary.titleOf("<title>a</title><title>b</title>")))
        .contains("a");
  }
}
