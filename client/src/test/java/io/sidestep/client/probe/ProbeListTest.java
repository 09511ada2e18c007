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
            new ProbeTarget("www.akorda.kz", 443, 80, "/"),
            new ProbeTarget("blogos.kz", 443, 0, "/"));
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
  void csvQuotingIsHonoured() {
    assertThat(ProbeList.csv("a,\"b,c\",\"d\"\"e\",")).containsExactly("a", "b,c", "d\"e", "");
  }
}
