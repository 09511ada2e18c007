package io.sidestep.client.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ProbeListTest {

  @Test
  void readsCitizenLabCsvByItsUrlColumn() {
    ProbeList l =
        ProbeList.parse(
            "kz.csv",
            "url,category_code,category_description,date_added,source,notes\n"
                + "http://www.akorda.kz/,CULTR,Culture,2014-04-15,citizenlab,\n"
                + "https://Blogos.kz/x?y=1,HOST,\"Hosting, and Blogging\",2014-04-15,citizenlab,\n"
                + "http://www.akorda.kz/other,CULTR,Culture,2014-04-15,citizenlab,\n"
                + "ftp://files.example/,X,x,2014,c,\n");
    assertThat(l.targets())
        .containsExactly(
            new ProbeTarget("akorda.kz", 443, 80, "/"), new ProbeTarget("blogos.kz", 443, 0, "/"));
    assertThat(l.skipped()).singleElement().asString().startsWith("kz.csv:5: ftp://");
  }

  @Test
  void readsPlainDomainLists() {
    ProbeList l =
        ProbeList.parse(
            "list.txt",
            "# comment\n! adblock comment\nexample.com\n||blocked.example^\n+.suffix.example\n"
                + ".dot.example\nhttp://plain.example:8080/a\n203.0.113.9\nlocalhost\n\n"
                + "EXAMPLE.com\n");
    assertThat(l.targets())
        .extracting(ProbeTarget::host)
        .containsExactly(
            "example.com",
            "blocked.example",
            "suffix.example",
            "dot.example",
            "plain.example",
            "203.0.113.9");
    assertThat(l.targets().get(4)).isEqualTo(new ProbeTarget("plain.example", 443, 8080, "/a"));
    assertThat(l.skipped()).singleElement().asString().contains("localhost");
  }

  @Test
  void readsTheRealKazakhstanList() throws Exception {
    Path kz = io.sidestep.core.testing.TestLists.file("kz.csv");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(kz), "test lists not present");
    ProbeList l = ProbeList.read(kz);
    assertThat(l.targets()).hasSizeGreaterThan(400);
    assertThat(l.targets()).extracting(ProbeTarget::host).doesNotHaveDuplicates();
  }

  @Test
  void aTestListNamesSitesWithoutWww() {
    ProbeList l =
        ProbeList.parse(
            "t.csv",
            "url,notes\nhttps://WWW.site.example/a,x\nhttp://site.example/b,y\n"
                + "https://www2.other.example/,z\n");
    assertThat(l.targets())
        .as("www.site.example and site.example are one site")
        .containsExactly(
            new ProbeTarget("site.example", 443, 80, "/b"),
            new ProbeTarget("www2.other.example", 443, 0, "/"));
    ProbeList plain = ProbeList.parse("plain.txt", "www.plain.example\n");
    assertThat(plain.targets())
        .as("a plain list is probed as written")
        .extracting(ProbeTarget::host)
        .containsExactly("www.plain.example");
  }

  @Test
  void aQuotedFieldMayHoldCommasQuotesAndLineBreaks() {
    ProbeList l =
        ProbeList.parse(
            "q.csv",
            "category,\"url\",notes\n"
                + "NEWS,\"https://a.example/\",\"a note, with \"\"quotes\"\"\nand a line break\"\n"
                + "NEWS,\"ftp://b.example/\",x\n");
    assertThat(l.targets()).containsExactly(new ProbeTarget("a.example", 443, 0, "/"));
    assertThat(l.skipped())
        .singleElement()
        .asString()
        .as("the record after a quoted line break starts on line 4")
        .startsWith("q.csv:4: ftp://b.example/");
  }
}
