package io.sidestep.core.rules.bench;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;

/**
 * The benchmark's rules and host stream, the same on every run (fixed seed): 100,000 rules (1,000
 * keywords, 50 regexes, the rest DOMAIN and DOMAIN-SUFFIX in equal parts, shuffled so every kind is
 * spread through the file) and a stream of host names mixing real hosts from Citizen Lab's test
 * lists, names under the rules' domains, the rules' exact names, and names no rule matches. The
 * test lists are read from {@code -Dsidestep.testLists=DIR} (default {@code
 * ../shared/data/test-lists} beside the repository); without them the names are all synthetic. They
 * are test input only and never part of a build artifact.
 */
public final class BenchData {
  private BenchData() {}

  public static final int RULES = 100_000;
  public static final int KEYWORDS = 1_000;
  public static final int REGEXES = 50;
  private static final String[] TLDS = {
    "com", "net", "org", "ru", "kz", "info", "io", "de", "co.uk", "cn", "jp", "fr", "com.br", "in"
  };
  private static final String[] ACTIONS = {"DIRECT", "RELAY", "REJECT"};

  /** Hosts of the URLs in the test lists' CSV files (url is the first column there). */
  public static List<String> testListHosts() {
    Path dir = io.sidestep.core.testing.TestLists.dir();
    Set<String> hosts = new LinkedHashSet<>();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".csv")).sorted().toList()) {
        for (String line : Files.readAllLines(f)) {
          int comma = line.indexOf(',');
          String url = comma < 0 ? line : line.substring(0, comma);
          if (!url.contains("://")) {
            continue;
          }
          try {
            String h = URI.create(url.trim()).getHost();
            if (h != null
                && h.indexOf('.') > 0
                && !io.sidestep.core.net.IpLiterals.isIpLiteral(h)) {
              hosts.add(h.toLowerCase(Locale.ROOT));
            }
          } catch (IllegalArgumentException e) {
            // a URL the JDK cannot parse: not needed for a benchmark
          }
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new ArrayList<>(hosts);
  }

  static String word(Random r, int min, int max) {
    String consonants = "bcdfghjklmnprstvz";
    String vowels = "aeiou";
    int len = min + r.nextInt(max - min + 1);
    StringBuilder s = new StringBuilder(len);
    while (s.length() < len) {
      s.append(consonants.charAt(r.nextInt(consonants.length())));
      if (s.length() < len) {
        s.append(vowels.charAt(r.nextInt(vowels.length())));
      }
    }
    return s.toString();
  }

  static String name(Random r) {
    return word(r, 4, 12) + "." + TLDS[r.nextInt(TLDS.length)];
  }

  /** The rule names (without type) used for DOMAIN and DOMAIN-SUFFIX, for the host stream. */
  public record Generated(List<String> lines, List<String> names) {}

  public static Generated rules(List<String> realHosts) {
    Random r = new Random(42);
    List<String> lines = new ArrayList<>(RULES);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < KEYWORDS; i++) {
      String kw;
      if (i % 3 == 0 && !realHosts.isEmpty()) {
        String[] labels = realHosts.get(r.nextInt(realHosts.size())).split("\\.");
        kw = labels[Math.max(0, labels.length - 2)];
        if (kw.length() < 4) {
          kw = word(r, 5, 9);
        }
      } else {
        kw = word(r, 5, 9);
      }
      lines.add("DOMAIN-KEYWORD," + kw + "," + ACTIONS[r.nextInt(3)]);
    }
    String[] templates = {
      "^([a-z0-9-]+\\.)*%s\\.(com|net|org)$",
      "^ads?[0-9]*\\.%s\\.",
      "%s[0-9]+\\.",
      "^cdn-[a-z]+\\.%s\\.",
      "\\.%s-static\\."
    };
    for (int i = 0; i < REGEXES; i++) {
      lines.add(
          "DOMAIN-REGEX,"
              + String.format(templates[i % templates.length], word(r, 5, 8))
              + ","
              + ACTIONS[r.nextInt(3)]);
    }
    Set<String> used = new LinkedHashSet<>();
    int real = 0;
    while (lines.size() < RULES) {
      String n;
      if (real < realHosts.size() && r.nextInt(40) == 0) {
        n = realHosts.get(real++);
        if (n.startsWith("www.")) {
          n = n.substring(4);
        }
      } else {
        n = r.nextInt(4) == 0 ? word(r, 3, 6) + "." + name(r) : name(r);
      }
      if (!used.add(n)) {
        continue;
      }
      names.add(n);
      lines.add(
          (lines.size() % 2 == 0 ? "DOMAIN," : "DOMAIN-SUFFIX,") + n + "," + ACTIONS[r.nextInt(3)]);
    }
    Collections.shuffle(lines, r);
    return new Generated(lines, names);
  }

  /** Writes the rules file and returns the names its rules use. */
  public static List<String> writeRules(Path file) throws IOException {
    Generated g = rules(testListHosts());
    Files.write(file, g.lines());
    return g.names();
  }

  /** A stream of {@code count} destinations (a power of two), mixed as the class says. */
  public static Destination[] hosts(List<String> ruleNames, int count) {
    List<String> real = testListHosts();
    Random r = new Random(7);
    Destination[] out = new Destination[count];
    for (int i = 0; i < count; i++) {
      int kind = r.nextInt(100);
      String h;
      if (kind < 25 && !real.isEmpty()) {
        h = real.get(r.nextInt(real.size()));
      } else if (kind < 50) {
        h = word(r, 2, 6) + "." + ruleNames.get(r.nextInt(ruleNames.size()));
      } else if (kind < 65) {
        h = ruleNames.get(r.nextInt(ruleNames.size()));
      } else {
        int labels = r.nextInt(3);
        StringBuilder s = new StringBuilder();
        for (int k = 0; k < labels; k++) {
          s.append(word(r, 2, 7)).append('.');
        }
        h = s.append(name(r)).toString();
      }
      out[i] = Destination.of(h, 443);
    }
    return out;
  }
}
