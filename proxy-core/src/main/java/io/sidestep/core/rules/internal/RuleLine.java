package io.sidestep.core.rules.internal;

import io.sidestep.core.rules.Action;
import java.util.Locale;

/**
 * One line of a rules file split into its parts, with the column of each part for error messages.
 *
 * @param text the rule without its trailing comment
 * @param comment the text after {@code #}, or null
 * @param remote for a {@code RULE-SET} of an {@code https://} URL, its URL and options; else null
 */
public record RuleLine(
    RuleType type,
    String value,
    int valueColumn,
    Action action,
    boolean noResolve,
    ListFormat format,
    String text,
    String comment,
    RemoteOptions remote) {

  static final String ACTIONS = "DIRECT, RELAY, REJECT, AUTO, NEVER-DIRECT";

  /**
   * Parses one line. Returns null for a blank line or a {@code #} comment line.
   *
   * @throws LineError naming the column of the part at fault and what was expected
   */
  public static RuleLine parse(String raw) throws LineError {
    int len = raw.length();
    int start = 0;
    while (start < len
        && (Character.isWhitespace(raw.charAt(start)) || raw.charAt(start) == '\uFEFF')) {
      start++;
    }
    if (start == len || raw.charAt(start) == '#') {
      return null;
    }
    int end = len;
    String comment = null;
    for (int i = start + 1; i < len; i++) {
      if (raw.charAt(i) == '#' && Character.isWhitespace(raw.charAt(i - 1))) {
        end = i;
        comment = raw.substring(i + 1).trim();
        break;
      }
    }
    while (end > start && Character.isWhitespace(raw.charAt(end - 1))) {
      end--;
    }
    // Split on commas, remembering where each trimmed field starts and ends.
    int[][] fields = new int[8][];
    int count = 0;
    int from = start;
    for (int i = start; i <= end; i++) {
      if (i == end || raw.charAt(i) == ',') {
        int s = from;
        int e = i;
        while (s < e && Character.isWhitespace(raw.charAt(s))) {
          s++;
        }
        while (e > s && Character.isWhitespace(raw.charAt(e - 1))) {
          e--;
        }
        if (count == fields.length) {
          fields = java.util.Arrays.copyOf(fields, count * 2);
        }
        fields[count++] = new int[] {s, e};
        from = i + 1;
      }
    }
    String text = raw.substring(start, end);
    int[] f0 = fields[0];
    String typeText = raw.substring(f0[0], f0[1]);
    if (typeText.isEmpty()) {
      throw new LineError(f0[0] + 1, "missing rule type (expected: TYPE,VALUE,ACTION)");
    }
    RuleType type = RuleType.parse(typeText, f0[0] + 1);
    if (type == RuleType.MATCH) {
      if (count < 2 || empty(fields[1])) {
        throw new LineError(
            end + 1, "missing action (expected: MATCH,ACTION with ACTION one of " + ACTIONS + ")");
      }
      if (count > 2) {
        int[] f = fields[2];
        throw new LineError(
            f[0] + 1,
            "unexpected '"
                + raw.substring(f[0], f[1])
                + "' (expected: MATCH,ACTION and nothing after)");
      }
      int[] f1 = fields[1];
      Action action = action(raw.substring(f1[0], f1[1]), f1[0] + 1);
      return new RuleLine(type, "", f1[0] + 1, action, false, ListFormat.AUTO, text, comment, null);
    }
    if (count < 3) {
      if (count == 2 && !empty(fields[1])) {
        int[] f1 = fields[1];
        if (isAction(raw.substring(f1[0], f1[1]))) {
          throw new LineError(
              f1[0] + 1,
              "missing value before the action (expected: " + type.text() + ",VALUE,ACTION)");
        }
      }
      throw new LineError(
          end + 1,
          "missing action (expected: %s,VALUE,ACTION with ACTION one of %s)"
              .formatted(type.text(), ACTIONS));
    }
    // The action is the last field that is not an option; a regex may contain commas.
    int actionField = 2;
    if (type == RuleType.DOMAIN_REGEX) {
      actionField = count - 1;
      while (actionField > 2
          && isOption(raw.substring(fields[actionField][0], fields[actionField][1]))) {
        actionField--;
      }
    }
    int[] fv = fields[1];
    int valueEnd = fields[actionField - 1][1];
    String value = raw.substring(fv[0], valueEnd);
    if (value.isEmpty()) {
      throw new LineError(fv[0] + 1, "missing value (expected: " + type.text() + ",VALUE,ACTION)");
    }
    int[] fa = fields[actionField];
    Action action = action(raw.substring(fa[0], fa[1]), fa[0] + 1);
    boolean noResolve = false;
    ListFormat format = ListFormat.AUTO;
    RemoteOptions.Builder remote =
        type == RuleType.RULE_SET && RemoteOptions.isUrl(value)
            ? RemoteOptions.builder(value, fv[0] + 1)
            : null;
    for (int i = actionField + 1; i < count; i++) {
      int[] f = fields[i];
      String opt = raw.substring(f[0], f[1]);
      String lower = opt.toLowerCase(Locale.ROOT);
      if (type == RuleType.RULE_SET && RemoteOptions.isOption(lower)) {
        if (remote == null) {
          throw new LineError(
              f[0] + 1,
              opt.substring(0, lower.indexOf('=') + 1)
                  + " after a list file (expected: interval=, sig= and pubkey= only after an"
                  + " https:// list URL)");
        }
        remote.option(opt, f[0] + 1);
      } else if (lower.equals("no-resolve")) {
        if (type != RuleType.IP_CIDR && type != RuleType.IP_CIDR6 && type != RuleType.RULE_SET) {
          throw new LineError(
              f[0] + 1,
              "no-resolve after "
                  + type.text()
                  + " (expected: no-resolve only after IP-CIDR, IP-CIDR6 or RULE-SET)");
        }
        noResolve = true;
      } else if (lower.startsWith("format=")) {
        if (type != RuleType.RULE_SET) {
          throw new LineError(
              f[0] + 1,
              "format= after " + type.text() + " (expected: format= only after RULE-SET)");
        }
        format = ListFormat.parse(opt.substring(7).trim(), f[0] + 8);
      } else {
        String expected =
            switch (type) {
              case IP_CIDR, IP_CIDR6 -> "no-resolve";
              case RULE_SET ->
                  "no-resolve, "
                      + ListFormat.EXPECTED
                      + (remote == null ? "" : ", interval=, sig= or pubkey=");
              default -> "nothing after the action";
            };
        throw new LineError(f[0] + 1, "unexpected '" + opt + "' (expected: " + expected + ")");
      }
    }
    return new RuleLine(
        type,
        value,
        fv[0] + 1,
        action,
        noResolve,
        format,
        text,
        comment,
        remote == null ? null : remote.build(end + 1));
  }

  private static boolean empty(int[] f) {
    return f[0] == f[1];
  }

  private static boolean isOption(String s) {
    String l = s.toLowerCase(Locale.ROOT);
    return l.equals("no-resolve") || l.startsWith("format=");
  }

  private static boolean isAction(String s) {
    try {
      action(s, 0);
      return true;
    } catch (LineError e) {
      return false;
    }
  }

  /** Parses an action; case does not matter and Clash's {@code PROXY} means RELAY. */
  static Action action(String s, int column) throws LineError {
    return switch (s.toUpperCase(Locale.ROOT)) {
      case "DIRECT" -> Action.DIRECT;
      case "RELAY", "PROXY" -> Action.RELAY;
      case "REJECT" -> Action.REJECT;
      case "AUTO" -> Action.AUTO;
      case "NEVER-DIRECT" -> Action.NEVER_DIRECT;
      default ->
          throw new LineError(
              column,
              "%s (expected: %s)"
                  .formatted(
                      s.isEmpty() ? "missing action" : "unknown action '" + s + "'", ACTIONS));
    };
  }
}
