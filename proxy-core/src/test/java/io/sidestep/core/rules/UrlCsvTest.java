package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.rules.UrlCsv.Row;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class UrlCsvTest {

  @Test
  void readsTheUrlColumnWithRfc4180Quoting() {
    String csv =
        "\uFEFFnotes, URL \n"
            + "\n"
            + "\"a, b\",http://one.example/\n"
            + "# a comment\n"
            + "\"say \"\"hi\"\"\nover two lines\",\" https://two.example/x \"\r\n"
            + "short\n"
            + "x,http://three.example";
    assertThat(UrlCsv.read(csv))
        .containsExactly(
            new Row(3, "http://one.example/"),
            new Row(5, "https://two.example/x"),
            new Row(7, ""),
            new Row(8, "http://three.example"));
  }

  @Test
  void aHeaderNeedsAUrlColumn() {
    assertThat(UrlCsv.isHeader("url,category_code")).isTrue();
    assertThat(UrlCsv.isHeader("\"Url\",x")).isTrue();
    assertThat(UrlCsv.isHeader("host,notes")).isFalse();
    assertThat(UrlCsv.isHeader("url")).as("no comma, no CSV").isFalse();
    assertThatThrownBy(() -> UrlCsv.read("\n\nhost,notes\na.example,x\n"))
        .isInstanceOf(UrlCsv.Malformed.class)
        .hasMessageContaining("no url column in the CSV header [host, notes]")
        .extracting(e -> ((UrlCsv.Malformed) e).line())
        .isEqualTo(3);
    assertThatThrownBy(() -> UrlCsv.read("")).hasMessageContaining("empty CSV");
  }

  @Test
  void anUnclosedQuoteIsMalformed() {
    assertThatThrownBy(() -> UrlCsv.read("url,n\nhttp://a.example/,\"open\n"))
        .isInstanceOf(UrlCsv.Malformed.class)
        .hasMessageContaining("not CSV");
  }

  @Test
  void theSiteIsTheHostWithoutWww() {
    assertThat(UrlCsv.site("www.example.com")).isEqualTo("example.com");
    assertThat(UrlCsv.site("WWW.Example.com")).isEqualTo("Example.com");
    assertThat(UrlCsv.site("www2.example.com")).isEqualTo("www2.example.com");
    assertThat(UrlCsv.site("wwwexample.com")).isEqualTo("wwwexample.com");
  }

  @Test
  void readsEveryCitizenLabTestList() throws Exception {
    Path dir = io.sidestep.core.testing.TestLists.dir();
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "test lists present");
    try (var files = Files.list(dir)) {
      List<Path> lists = files.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
      assertThat(lists)
          .extracting(p -> p.getFileName().toString())
          .contains("kz.csv", "global.csv");
      for (Path f : lists) {
        String text = Files.readString(f);
        if (!UrlCsv.isHeader(text.lines().findFirst().orElse("").replace("\uFEFF", ""))) {
          continue; // the legend of category codes has no url column
        }
        assertThat(UrlCsv.read(text))
            .as(f.toString())
            .isNotEmpty()
            .allSatisfy(r -> assertThat(r.url()).startsWith("http"));
      }
    }
  }
}
