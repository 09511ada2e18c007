package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

/**
 * Clash rule providers: a YAML document whose {@code payload:} is a list of classical or domain
 * entries (block or flow style, read by snakeyaml-engine), or bare classical lines. A file with a
 * line starting {@code payload:} is YAML; anything else is bare lines, where {@code #} starts a
 * comment at the start of a line or after a space.
 */
final class ClashList {
  private ClashList() {}

  // A list is text already in memory; the engine's 3 MB default would refuse a big provider.
  private static final LoadSettings YAML =
      LoadSettings.builder().setCodePointLimit(Integer.MAX_VALUE).build();

  static void read(String text, ListTarget t) throws LineError {
    if (!hasPayload(text)) {
      // Bare classical lines ("DOMAIN-SUFFIX,example.com"), the text form of a provider.
      Lines lines = new Lines(text);
      String raw;
      while ((raw = lines.next()) != null) {
        String s = Lines.stripComment(raw).trim();
        if (!s.isEmpty()) {
          clashItem(s, t, lines.number());
        }
      }
      return;
    }
    Optional<Node> root;
    try {
      root = new Compose(YAML).composeString(text);
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> at = e.getProblemMark().or(e::getContextMark);
      int line = at.map(m -> m.getLine() + 1).orElse(1);
      String column = at.map(m -> " at column " + (m.getColumn() + 1)).orElse("");
      String context = e.getContext() == null ? "" : e.getContext() + ": ";
      throw new LineError(
          line,
          "not YAML: %s%s%s (expected: YAML with a payload: list)"
              .formatted(context, e.getProblem(), column));
    } catch (YamlEngineException e) {
      throw new LineError(1, "not YAML: " + e.getMessage());
    }
    Node payload = null;
    if (root.orElse(null) instanceof MappingNode map) {
      for (NodeTuple kv : map.getValue()) {
        if (kv.getKeyNode() instanceof ScalarNode k && k.getValue().equals("payload")) {
          payload = kv.getValueNode();
        }
      }
    }
    if (payload instanceof ScalarNode empty && empty.getValue().isEmpty()) {
      return; // "payload:" and nothing under it
    }
    if (!(payload instanceof SequenceNode entries)) {
      throw new LineError(
          line(payload == null ? root.get() : payload),
          "payload: not a list (expected: one '- entry' per line, or [a, b])");
    }
    for (Node item : entries.getValue()) {
      int line = line(item);
      if (!(item instanceof ScalarNode entry)) {
        t.skip(line, "not a text entry");
      } else if (entry.getValue().isBlank()) {
        t.skip(line, "empty entry");
      } else {
        clashItem(entry.getValue().trim(), t, line);
      }
    }
  }

  private static boolean hasPayload(String text) {
    return text.lines().anyMatch(l -> l.startsWith("payload:"));
  }

  private static int line(Node n) {
    return n.getStartMark().map(m -> m.getLine() + 1).orElse(1);
  }

  /** One provider entry: a classical {@code TYPE,VALUE[,no-resolve]} or a domain / address. */
  private static void clashItem(String v, ListTarget t, int line) {
    int comma = v.indexOf(',');
    if (comma < 0) {
      if (v.indexOf('/') > 0 || IpLiterals.isIpLiteral(v)) {
        t.cidr(v, line);
      } else {
        t.dottedName(v, line);
      }
      return;
    }
    String[] f = v.split(",", -1);
    RuleType type;
    try {
      type = RuleType.parse(f[0].trim(), 1);
    } catch (LineError e) {
      t.skip(line, e.getMessage());
      return;
    }
    if (type == RuleType.MATCH || type == RuleType.RULE_SET) {
      t.skip(line, type.text() + " inside a list");
      return;
    }
    boolean noResolve = t.noResolve;
    int valueEnd = f.length;
    if (f.length > 2) {
      String last = f[f.length - 1].trim();
      if (last.equalsIgnoreCase("no-resolve")) {
        noResolve = true;
        valueEnd--;
      }
    }
    if (type != RuleType.DOMAIN_REGEX && valueEnd > 2) {
      t.skip(line, "unexpected '" + f[2].trim() + "' (a list entry has no action)");
      return;
    }
    String value = String.join(",", java.util.Arrays.copyOfRange(f, 1, valueEnd)).trim();
    try {
      Entries.add(t.b, type, value, 1, noResolve, line);
      t.added++;
    } catch (LineError e) {
      t.skip(line, e.getMessage());
    }
  }
}
