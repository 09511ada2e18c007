package io.sidestep.client.cli;

import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Router;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * PLACEHOLDER until the rules engine ({@code io.sidestep.core.rules}) is merged: writes a minimal
 * template and routes everything AUTO (direct), warning that the file's rules are not applied yet.
 * To be replaced by the rules engine's loader and template.
 */
final class PlaceholderRules {
  private PlaceholderRules() {}

  static final String TEMPLATE =
      "# Sidestep rules: one rule per line, TYPE,VALUE,ACTION (Clash classical syntax).\n"
          + "# Types: DOMAIN, DOMAIN-SUFFIX, DOMAIN-KEYWORD, IP-CIDR, MATCH.\n"
          + "# Actions: DIRECT, RELAY, REJECT.\n"
          + "# Example: DOMAIN-SUFFIX,example.org,RELAY\n";

  static Router load(Path file) throws IOException {
    long rules =
        Files.readAllLines(file).stream()
            .map(String::trim)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .count();
    if (rules > 0) {
      LoggerFactory.getLogger(PlaceholderRules.class)
          .warn("{}: {} rules not applied: this build has no rules engine yet", file, rules);
    }
    return destination -> Decision.auto();
  }
}
