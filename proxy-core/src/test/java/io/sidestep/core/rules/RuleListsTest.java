package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RULE-SET lists in every format, written in each format's real syntax. */
class RuleListsTest {
  @TempDir Path dir;

  private static final String GFWLIST =
      "[AutoProxy 0.2.9]\n"
          + "! Checksum: abc\n"
          + "! Title: GFWList4LL\n"
          + "||blocked.example\n"
          + "|http://plain.example/path\n"
          + "|https://secure.example\n"
          + ".dotted.example\n"
          + "substring.example/page.html\n"
          + "http://schemed.example/x\n"
          + "@@||ok.blocked.example\n"
          + "@@|http://fine.dotted.example\n"
          + "/^https?:\\/\\/[^\\/]+blogspot\\.(.*)/\n"
          + "||*.wild.example\n"
          + "||198.51.100.7\n"
          + "example.net##.ad-banner\n";

  private Rules load(String rules, String listName, String list) throws IOException {
    Files.createDirectories(dir.resolve(listName).getParent());
    Files.writeString(dir.resolve(listName), list);
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, rules);
    return Rules.load(f, null);
  }

  private static Action act(Rules r, String host) {
    return r.decide(Destination.parse(host, 443)).action();
  }

  private void assertGfwlist(Rules r) {
    assertThat(act(r, "blocked.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "www.blocked.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "ok.blocked.example")).as("@@ exception").isEqualTo(Action.AUTO);
    assertThat(act(r, "deep.ok.blocked.example"))
        .as("@@|| covers subdomains")
        .isEqualTo(Action.AUTO);
    assertThat(act(r, "plain.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "www.plain.example")).as("|http:// is one host").isEqualTo(Action.AUTO);
    assertThat(act(r, "secure.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "dotted.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.dotted.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "fine.dotted.example")).as("@@|http:// exception").isEqualTo(Action.AUTO);
    assertThat(act(r, "substring.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "m.substring.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "schemed.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "foo.blogspot.com")).as("URL regex").isEqualTo(Action.RELAY);
    assertThat(act(r, "blogspot.com")).as("regex needs a host part before").isEqualTo(Action.AUTO);
    assertThat(act(r, "a.wild.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "198.51.100.7")).isEqualTo(Action.RELAY);
    assertThat(act(r, "example.net")).as("element hiding is skipped").isEqualTo(Action.AUTO);
  }

  @Test
  void gfwlistPlain() throws IOException {
    Rules r = load("RULE-SET,lists/gfw.txt,RELAY\n", "lists/gfw.txt", GFWLIST);
    assertGfwlist(r);
    assertThat(r.warnings()).singleElement().asString().contains("skipped 1 line", "line 15");
    assertThat(r.decide(Destination.parse("www.blocked.example", 443)).reason())
        .endsWith(
            "rules.txt:1: RULE-SET,lists/gfw.txt,RELAY ("
                + dir.resolve("lists/gfw.txt")
                + ":4: DOMAIN-SUFFIX blocked.example)");
  }

  @Test
  void gfwlistBase64AsPublished() throws IOException {
    String b64 =
        Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(GFWLIST.getBytes(StandardCharsets.UTF_8));
    assertGfwlist(load("RULE-SET,gfwlist.txt,RELAY\n", "gfwlist.txt", b64 + "\n"));
  }

  @Test
  void exceptionsOnlyStopTheirOwnList() throws IOException {
    Rules r =
        load(
            "RULE-SET,gfw.txt,RELAY\nDOMAIN-SUFFIX,blocked.example,REJECT\n",
            "gfw.txt",
            "||blocked.example\n@@||ok.blocked.example\n");
    assertThat(act(r, "x.blocked.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "ok.blocked.example")).as("the next rule applies").isEqualTo(Action.REJECT);
  }

  @Test
  void clashYamlClassical() throws IOException {
    String yaml =
        "# provider\n"
            + "payload:\n"
            + "  - DOMAIN-SUFFIX,google.com\n"
            + "  - 'DOMAIN,exact.example'\n"
            + "  - \"DOMAIN-KEYWORD,tracker\"  # comment\n"
            + "  - DOMAIN-REGEX,^cdn\\d+\\.example\\.org$\n"
            + "  - IP-CIDR,192.0.2.0/24,no-resolve\n"
            + "  - IP-CIDR6,2001:db8::/32\n"
            + "  - GEOIP,CN\n";
    Rules r = load("RULE-SET,google.yaml,RELAY\n", "google.yaml", yaml);
    assertThat(act(r, "mail.google.com")).isEqualTo(Action.RELAY);
    assertThat(act(r, "exact.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.exact.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "mytracker.net")).isEqualTo(Action.RELAY);
    assertThat(act(r, "cdn12.example.org")).isEqualTo(Action.RELAY);
    assertThat(act(r, "cdnx.example.org")).isEqualTo(Action.AUTO);
    assertThat(act(r, "192.0.2.9")).isEqualTo(Action.RELAY);
    assertThat(act(r, "2001:db8::5")).isEqualTo(Action.RELAY);
    assertThat(r.warnings()).singleElement().asString().contains("GEOIP");
  }

  @Test
  void clashYamlDomains() throws IOException {
    String yaml =
        "payload:\n"
            + "  - '+.plus.example'\n"
            + "  - '.dot.example'\n"
            + "  - 'exact.example'\n"
            + "  - '*.star.example'\n"
            + "other: value\n"
            + "  - 'after.example'\n";
    Rules r = load("RULE-SET,domains.yaml,DIRECT,format=clash\n", "domains.yaml", yaml);
    assertThat(act(r, "plus.example")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "a.plus.example")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "dot.example")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "a.b.dot.example")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "exact.example")).isEqualTo(Action.DIRECT);
    assertThat(act(r, "www.exact.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "a.star.example")).as("* is one label").isEqualTo(Action.DIRECT);
    assertThat(act(r, "a.b.star.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "star.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "after.example")).as("payload ends at the next key").isEqualTo(Action.AUTO);
  }

  @Test
  void clashFlowListMaySpanLines() throws IOException {
    String yaml =
        "payload: [\n"
            + "  'DOMAIN-SUFFIX,flow.example',  # comment\n"
            + "  \"+.plus.example\",\n"
            + "  'DOMAIN,exact.example'\n"
            + "]\n";
    Rules r = load("RULE-SET,flow.yaml,RELAY\n", "flow.yaml", yaml);
    assertThat(act(r, "a.flow.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.plus.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "exact.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.exact.example")).isEqualTo(Action.AUTO);
    assertThat(r.decide(Destination.parse("exact.example", 443)).reason())
        .as("an entry is named by the line it is on")
        .contains("flow.yaml:4:");
    assertThat(r.warnings()).isEmpty();
  }

  @Test
  void clashEntriesSkippedAreNamedByTheirLine() throws IOException {
    String yaml = "payload:\n  - DOMAIN,ok.example\n  - {not: text}\n  - GEOIP,CN\n";
    Rules r = load("RULE-SET,p.yaml,RELAY\n", "p.yaml", yaml);
    assertThat(act(r, "ok.example")).isEqualTo(Action.RELAY);
    assertThat(r.warnings())
        .singleElement()
        .asString()
        .contains("skipped 2 lines")
        .contains("line 3: not a text entry")
        .contains("line 4:");
  }

  @Test
  void brokenClashYamlIsAnErrorAtItsLineAndColumn() throws IOException {
    String yaml = "payload: [\n  'DOMAIN,a.example',\n  'DOMAIN,b.example'\n";
    assertThatThrownBy(() -> load("RULE-SET,bad.yaml,RELAY\n", "bad.yaml", yaml))
        .isInstanceOf(RulesException.class)
        .hasMessageContaining("rules.txt:1:10: list 'bad.yaml' line 4: not YAML: ")
        .hasMessageContaining("at column 1");
    assertThatThrownBy(() -> load("RULE-SET,map.yaml,RELAY\n", "map.yaml", "payload: {a: b}\n"))
        .isInstanceOf(RulesException.class)
        .hasMessageContaining("list 'map.yaml' line 1: payload: not a list");
  }

  @Test
  void clashClassicalText() throws IOException {
    Rules r =
        load(
            "RULE-SET,list.list,REJECT\n",
            "list.list",
            "# Surge/Clash text provider\nDOMAIN-SUFFIX,ads.example\nDOMAIN,one.example\n");
    assertThat(act(r, "x.ads.example")).isEqualTo(Action.REJECT);
    assertThat(act(r, "one.example")).isEqualTo(Action.REJECT);
  }

  @Test
  void plainDomainList() throws IOException {
    String list =
        "# blocked in my town\n"
            + "exact.example\n"
            + "+.plus.example\n"
            + ".dot.example   # trailing comment\n"
            + "UPPER.Example.\n"
            + "domain:v2fly.example @cn\n"
            + "full:full.example\n"
            + "keyword:casino\n"
            + "regexp:^bet\\d+\\.\n"
            + "0.0.0.0 hosts-file.example\n"
            + "203.0.113.0/24\n";
    Rules r = load("RULE-SET,blocked.txt,RELAY\n", "blocked.txt", list);
    assertThat(act(r, "exact.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "www.exact.example")).isEqualTo(Action.AUTO);
    assertThat(act(r, "plus.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "x.plus.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "x.dot.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "upper.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "a.v2fly.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "full.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "onlinecasino.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "bet365.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "hosts-file.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "203.0.113.50")).isEqualTo(Action.RELAY);
    assertThat(r.warnings()).isEmpty();
  }

  @Test
  void csvWithUrlColumnAndQuotedFields() throws IOException {
    String csv =
        "url,category_code,category_description,date_added,source,notes\n"
            + "http://www.akorda.kz/,CULTR,Culture,2014-04-15,citizenlab,\n"
            + "https://blogos.kz/path?q=1,HOST,\"Hosting, and Blogging\",2014-04-15,citizenlab,"
            + "\"a note, with \"\"quotes\"\"\nand a line break\"\n"
            + "\"http://quoted.example:8080/x\",NEWS,News,2014,citizenlab,\n";
    Rules r = load("RULE-SET,kz.csv,RELAY\n", "kz.csv", csv);
    assertThat(act(r, "www.akorda.kz")).isEqualTo(Action.RELAY);
    assertThat(act(r, "akorda.kz"))
        .as("http://www.akorda.kz/ names the site akorda.kz, as probe reads it too")
        .isEqualTo(Action.RELAY);
    assertThat(act(r, "blogos.kz")).isEqualTo(Action.RELAY);
    assertThat(act(r, "quoted.example")).isEqualTo(Action.RELAY);
    assertThat(act(r, "citizenlab")).isEqualTo(Action.AUTO);
    assertThat(r.decide(Destination.parse("quoted.example", 443)).reason())
        .as("the record after a quoted line break is on line 5")
        .contains("kz.csv:5:");
  }

  @Test
  void realCitizenLabList() throws IOException {
    Path kz = io.sidestep.core.testing.TestLists.file("kz.csv");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(kz), "test list present");
    Rules r = load("RULE-SET,kz.csv,RELAY\n", "kz.csv", Files.readString(kz));
    assertThat(r.entryCount()).isGreaterThan(500);
    assertThat(act(r, "www.akorda.kz")).isEqualTo(Action.RELAY);
  }

  @Test
  void missingListNamesTheListAndTheIncludingLine() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,a.example,DIRECT\nRULE-SET,lists/nope.txt,RELAY\n");
    assertThatThrownBy(() -> Rules.load(f, null))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(f + ":2:10: cannot read list 'lists/nope.txt': no such file");
  }

  @Test
  void csvWithoutUrlColumnIsAnErrorAtTheIncludingLine() throws IOException {
    assertThatThrownBy(
            () -> load("\nRULE-SET,t.csv,RELAY,format=csv\n", "t.csv", "host,notes\na.example,x\n"))
        .isInstanceOf(RulesException.class)
        .hasMessageContaining("rules.txt:2:10: list 't.csv' line 1: no url column");
  }

  @Test
  void unknownFormatIsAnError() {
    assertThatThrownBy(() -> load("RULE-SET,t.txt,RELAY,format=json\n", "t.txt", "a.example\n"))
        .isInstanceOf(RulesException.class)
        .hasMessageContaining("rules.txt:1:29: unknown list format 'json'");
  }
}
