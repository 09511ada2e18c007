package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The indexed router against the obvious implementation: try each rule in file order. Rules and
 * hosts come from a tiny alphabet so that names, suffixes, keywords and regexes overlap a lot.
 */
class RulesDifferentialTest {
  @TempDir Path dir;

  private record Rule(int line, String type, String value, Action action, boolean noResolve) {
    String text() {
      return type + "," + value + "," + action + (noResolve ? ",no-resolve" : "");
    }

    boolean matchesResolved(List<InetAddress> addresses) {
      return type.equals("IP-CIDR")
          && !noResolve
          && addresses.stream().anyMatch(Cidr.parse(value)::contains);
    }

    boolean matches(Destination d) {
      String h = d.host();
      boolean ip = d.isIpLiteral();
      return switch (type) {
        case "DOMAIN" -> !ip && h.equals(value);
        case "DOMAIN-SUFFIX" -> !ip && (h.equals(value) || h.endsWith("." + value));
        case "DOMAIN-KEYWORD" -> !ip && h.contains(value);
        case "DOMAIN-REGEX" -> !ip && Pattern.compile(value).matcher(h).find();
        case "IP-CIDR" -> ip && Cidr.parse(value).contains(IpLiterals.parse(h));
        case "DST-PORT" -> d.port() == Integer.parseInt(value);
        default -> throw new IllegalStateException(type);
      };
    }
  }

  private static final String[] LABELS = {"a", "b", "ab", "ba", "abc", "x", "xa"};
  private static final Action[] ACTIONS = {Action.DIRECT, Action.RELAY, Action.REJECT};

  private static String name(Random r) {
    int n = 1 + r.nextInt(3);
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        s.append('.');
      }
      s.append(LABELS[r.nextInt(LABELS.length)]);
    }
    return s.toString();
  }

  @RepeatedTest(20)
  void sameAnswersAsTryingEachRuleInOrder(RepetitionInfo info) throws IOException {
    Random r = new Random(1000 + info.getCurrentRepetition());
    List<Rule> rules = new ArrayList<>();
    StringBuilder file = new StringBuilder();
    int count = 5 + r.nextInt(60);
    for (int i = 0; i < count; i++) {
      String type;
      String value;
      switch (r.nextInt(7)) {
        case 0 -> {
          type = "DOMAIN";
          value = name(r);
        }
        case 1, 2 -> {
          type = "DOMAIN-SUFFIX";
          value = name(r);
        }
        case 3 -> {
          type = "DOMAIN-KEYWORD";
          value = LABELS[r.nextInt(LABELS.length)] + (r.nextBoolean() ? "." : "");
        }
        case 4 -> {
          type = "DOMAIN-REGEX";
          String[] res = {"^a+\\.b", "ba$", "^x", "c\\.x", "b(a|c)\\.", "^[ab]{3}\\.", "xa\\.a"};
          value = res[r.nextInt(res.length)];
        }
        case 5 -> {
          type = "IP-CIDR";
          value = "192.0." + r.nextInt(4) + ".0/" + (22 + r.nextInt(11));
        }
        default -> {
          type = "DST-PORT";
          value = Integer.toString(440 + r.nextInt(5));
        }
      }
      Action a = ACTIONS[r.nextInt(3)];
      Rule rule = new Rule(i + 1, type, value, a, type.equals("IP-CIDR") && r.nextInt(3) == 0);
      file.append(rule.text()).append('\n');
      rules.add(rule);
    }
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, file);
    Rules compiled = Rules.load(f, null);
    for (int i = 0; i < 300; i++) {
      Destination d =
          r.nextInt(5) == 0
              ? Destination.of("192.0." + r.nextInt(4) + "." + r.nextInt(256), 440 + r.nextInt(5))
              : Destination.of(name(r), 440 + r.nextInt(5));
      Rule expected = rules.stream().filter(x -> x.matches(d)).findFirst().orElse(null);
      Decision got = compiled.decide(d);
      if (expected == null) {
        assertThat(got).as("%s with%n%s", d, file).isEqualTo(Decision.auto());
      } else {
        assertThat(got.reason())
            .as("%s with%n%s", d, file)
            .isEqualTo(f + ":" + expected.line() + ": " + expected.text());
        assertThat(got.action()).isEqualTo(expected.action());
      }
      if (d.isIpLiteral() || got.action() == Action.RELAY || got.action() == Action.REJECT) {
        continue;
      }
      // A direct connection resolved the name: IP rules before the deciding rule now count.
      List<InetAddress> addresses = new ArrayList<>();
      for (int k = 0, n = 1 + r.nextInt(2); k < n; k++) {
        addresses.add(IpLiterals.parse("192.0." + r.nextInt(4) + "." + r.nextInt(256)));
      }
      Rule first =
          rules.stream()
              .filter(x -> x.matches(d) || x.matchesResolved(addresses))
              .findFirst()
              .orElse(null);
      Decision resolved = compiled.decideResolved(d, addresses, got);
      if (first != null && first.type().equals("IP-CIDR")) {
        assertThat(resolved.reason())
            .as("%s at %s with%n%s", d, addresses, file)
            .isEqualTo(f + ":" + first.line() + ": " + first.text());
      } else {
        assertThat(resolved).as("%s at %s with%n%s", d, addresses, file).isEqualTo(got);
      }
    }
  }
}
