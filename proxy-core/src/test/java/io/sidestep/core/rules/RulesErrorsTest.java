package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A bad line is reported as FILE:LINE:COL: message (expected: …). */
class RulesErrorsTest {
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          DOMAN-SUFFIX,kz,RELAY            | 1  | unknown rule type 'DOMAN-SUFFIX', did you mean DOMAIN-SUFFIX? (expected: DOMAIN, DOMAIN-SUFFIX,
          GEOIP,CN,DIRECT                  | 1  | rule type 'GEOIP' is not supported by Sidestep (expected:
          DOMAIN,example.com,RELEY         | 20 | unknown action 'RELEY' (expected: DIRECT, RELAY, REJECT, AUTO, NEVER-DIRECT)
          DOMAIN,example.com               | 19 | missing action (expected: DOMAIN,VALUE,ACTION
          DOMAIN,RELAY                     | 8  | missing value before the action (expected: DOMAIN,VALUE,ACTION)
          DOMAIN,,RELAY                    | 8  | missing value (expected: DOMAIN,VALUE,ACTION)
          DOMAIN,exa mple.com,RELAY        | 8  | invalid domain 'exa mple.com': character ' ' in domain
          DOMAIN,a..example,RELAY          | 8  | invalid domain 'a..example': empty label
          DOMAIN,192.0.2.1,RELAY           | 8  | DOMAIN value '192.0.2.1' is an IP address (expected: a host name such as example.com; for addresses write IP-CIDR,192.0.2.1/32)
          DOMAIN-SUFFIX,+.,RELAY           | 17 | invalid domain '': empty domain
          DOMAIN-REGEX,^(ab,RELAY          | 18 | invalid regex '^(ab': Unclosed group
          DOMAIN-REGEX,\\d(,RELAY          | 17 | invalid regex '\\d(': Unclosed group
          IP-CIDR,10.0.0.0/33,DIRECT       | 9  | invalid address block '10.0.0.0/33' (expected: ADDRESS/PREFIX
          IP-CIDR6,fe80::/zz,DIRECT        | 10 | invalid address block 'fe80::/zz'
          IP-CIDR,10.0.0.0/8,DIRECT,resolve| 27 | unexpected 'resolve' (expected: no-resolve)
          DOMAIN,a.example,DIRECT,no-resolve| 25 | no-resolve after DOMAIN (expected: no-resolve only after IP-CIDR, IP-CIDR6 or RULE-SET)
          DST-PORT,70000,REJECT            | 10 | invalid port '70000' (expected: 1-65535, or LOW-HIGH
          DST-PORT,90-80,REJECT            | 10 | invalid port '90-80'
          MATCH                            | 6  | missing action (expected: MATCH,ACTION
          MATCH,DIRECT,extra               | 14 | unexpected 'extra' (expected: MATCH,ACTION and nothing after)
          DOMAIN-KEYWORD,a b,RELAY         | 17 | space in keyword 'a b'
          """)
  void badLineIsReportedWithItsColumn(String line, int column, String message) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "# first line\nDOMAIN,ok.example,DIRECT\n" + line.strip() + "\n");
    assertThatThrownBy(() -> Rules.load(f, null))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(f + ":3:" + column + ": " + message)
        .satisfies(
            e -> {
              RulesException re = (RulesException) e;
              assertThat(re.line()).isEqualTo(3);
              assertThat(re.column()).isEqualTo(column);
              assertThat(re.getMessage()).contains("(expected: ");
            });
  }

  @org.junit.jupiter.api.Test
  void trailingCommentsAndIndentationAreAllowed() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(
        f,
        "\uFEFF# template\r\n\r\n   DOMAIN,a.example,RELAY   # why: blocked since 2011\r\n"
            + "\tDOMAIN-SUFFIX , b.example , DIRECT\r\n");
    Rules r = Rules.load(f, null);
    assertThat(r.ruleCount()).isEqualTo(2);
    assertThat(r.decide(io.sidestep.core.route.Destination.parse("a.example", 443)).reason())
        .endsWith(":3: DOMAIN,a.example,RELAY");
  }

  @org.junit.jupiter.api.Test
  void controlCharactersInABadLineAreEscapedInTheMessage() throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "DOMAIN,\u0001bad\u001b[31m.example,DIRECT\n");
    assertThatThrownBy(() -> Rules.load(f, null))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(f + ":1:8: invalid domain '\\u0001bad\\u001b[31m.example'")
        .satisfies(
            e ->
                assertThat(e.getMessage().chars().filter(c -> c < 0x20 || c == 0x7f))
                    .as("no control character reaches a terminal or the log")
                    .isEmpty());
  }

  @org.junit.jupiter.api.Test
  void missingRulesFileIsNamed() {
    Path f = dir.resolve("nope.txt");
    assertThatThrownBy(() -> Rules.load(f, null))
        .isInstanceOf(RulesException.class)
        .hasMessage(f + ": no such file (expected: a readable rules file)");
  }
}
