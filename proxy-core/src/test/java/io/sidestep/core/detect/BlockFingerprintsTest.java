package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BlockFingerprintsTest {

  static String sample() throws IOException {
    try (InputStream in =
        BlockFingerprintsTest.class.getResourceAsStream("/detect/sample-fingerprints.csv")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  static ResponseSummary page(Map<String, List<String>> headers, String body) {
    return new ResponseSummary(
        200, headers, body.length(), ResponseSummary.titleOf(body), Set.of(), body);
  }

  private static Optional<String> matched(BlockFingerprints f, ResponseSummary r) {
    return f.match(r).map(BlockFingerprints.Fingerprint::name);
  }

  @Test
  void readsOonisColumnsAndSkipsPlacesItDoesNotSee() throws IOException {
    BlockFingerprints f = BlockFingerprints.of("sample.csv", sample());
    assertThat(f.size())
        .as("five HTTP rows besides the built-in words; the DNS row is skipped")
        .isEqualTo(BlockFingerprints.VAGUE_WORDS.size() + 5);
  }

  @Test
  void matchesBodyAndHeadersByEachPatternType() throws IOException {
    BlockFingerprints f = BlockFingerprints.of("sample.csv", sample());
    assertThat(
            matched(f, page(Map.of(), "<html><title>Sample national filter</title><body>x</body>")))
        .contains("sample_kz_title");
    assertThat(
            matched(
                f, page(Map.of("Location", List.of("http://warning.sample-isp.example/?u=x")), "")))
        .contains("sample_kz_location");
    assertThat(matched(f, page(Map.of("Server", List.of("SampleFilter/1.0")), "hello")))
        .contains("sample_server");
    assertThat(matched(f, page(Map.of("Server", List.of("SampleFilter/1.0 extra")), "hello")))
        .as("full means the whole value")
        .isEmpty();
    assertThat(matched(f, page(Map.of(), "<p>Ref. No 2024-BLK</p>"))).contains("sample_regexp");
    assertThat(matched(f, page(Map.of(), "<p>an ordinary page</p>"))).isEmpty();
  }

  @Test
  void aVagueMatchIsOnlyVague() throws IOException {
    BlockFingerprints f = BlockFingerprints.of("sample.csv", sample());
    assertThat(f.match(page(Map.of(), "Temporarily unavailable by ORDER")).get().vague())
        .as("vague words are matched in any case")
        .isTrue();
    assertThat(
            f.match(page(Map.of(), "<title>Sample national filter</title> this site is blocked"))
                .get()
                .name())
        .as("a block page's fingerprint wins over vague words")
        .isEqualTo("sample_kz_title");
  }

  @Test
  void builtInWordsInThreeLanguages() {
    BlockFingerprints f = BlockFingerprints.NONE;
    for (String body :
        List.of(
            "This site is BLOCKED",
            "Доступ к ресурсу ограничен",
            "Сайт заблокирован",
            "Бұл сайт бұғатталған")) {
      assertThat(f.match(page(Map.of(), body))).as(body).isPresent();
    }
    assertThat(f.match(page(Map.of(), "Welcome to the shop"))).isEmpty();
  }

  @Test
  void badRowsNameTheFileAndLine() {
    String header = "name,scope,location_found,pattern_type,pattern,confidence_no_fp\n";
    assertThatThrownBy(() -> BlockFingerprints.of("fp.csv", header + "a,nat,body,glob,x,9\n"))
        .hasMessage(
            "fp.csv:2: unknown pattern_type 'glob' (expected: full, prefix, contains, regexp)");
    assertThatThrownBy(() -> BlockFingerprints.of("fp.csv", header + "a,nat,body,regexp,(x,9\n"))
        .hasMessageStartingWith("fp.csv:2: bad regexp '(x'");
    assertThatThrownBy(() -> BlockFingerprints.of("fp.csv", "name,scope\n"))
        .hasMessageStartingWith("fp.csv:1: no location_found column");
  }
}
