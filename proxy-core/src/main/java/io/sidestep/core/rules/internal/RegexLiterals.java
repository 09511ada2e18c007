package io.sidestep.core.rules.internal;

import java.util.Locale;

/**
 * Finds a literal string that every match of a regular expression must contain, so that a regex is
 * only run on hosts that contain its literal (found for all regexes at once by {@link
 * AhoCorasick}). The analysis is conservative: whenever the pattern uses something it does not
 * follow (top-level alternation, inline flags, quoting, escapes with arguments), it answers "none"
 * and the regex is run on every host that gets that far.
 */
final class RegexLiterals {
  private RegexLiterals() {}

  private static final String LITERAL_ESCAPES = ".\\/-+*?()[]{}|^$:#&~=!<>,@%'\"_ ";

  /**
   * The longest required literal of at least {@code minLength} characters, lower-cased, or null.
   *
   * @param excludeUrlParts when true, literals containing {@code :} or {@code /}, or that occur
   *     inside {@code https://}, are not chosen: such a literal could be found in the URL that a
   *     gfwlist regex is matched against but not in the host that is scanned
   */
  static String required(String pattern, int minLength, boolean excludeUrlParts) {
    String best = null;
    StringBuilder run = new StringBuilder();
    int i = 0;
    int n = pattern.length();
    while (i < n) {
      char c = pattern.charAt(i);
      switch (c) {
        case '\\' -> {
          if (i + 1 >= n) {
            return null;
          }
          char e = pattern.charAt(i + 1);
          if (LITERAL_ESCAPES.indexOf(e) >= 0) {
            run.append(e);
          } else if ("dDwWsSbB".indexOf(e) >= 0) {
            best = better(best, run, minLength, excludeUrlParts);
          } else {
            return null; // escapes with arguments or quoting: do not guess
          }
          i += 2;
        }
        case '[' -> {
          best = better(best, run, minLength, excludeUrlParts);
          int close = classEnd(pattern, i);
          if (close < 0) {
            return null;
          }
          i = close + 1;
        }
        case '(' -> {
          if (i + 2 < n && pattern.charAt(i + 1) == '?') {
            char k = pattern.charAt(i + 2);
            if (k != ':' && k != '=' && k != '!' && k != '<') {
              return null; // inline flags change what a literal means
            }
          }
          best = better(best, run, minLength, excludeUrlParts);
          int close = groupEnd(pattern, i);
          if (close < 0) {
            return null;
          }
          i = close + 1;
        }
        case '|', ')' -> {
          return null;
        }
        case '.', '^', '$' -> {
          best = better(best, run, minLength, excludeUrlParts);
          i++;
        }
        case '*', '?', '{' -> {
          // The character before the quantifier is optional: drop it, end the run.
          if (run.length() > 0) {
            run.setLength(run.length() - 1);
          }
          best = better(best, run, minLength, excludeUrlParts);
          if (c == '{') {
            int close = pattern.indexOf('}', i);
            if (close < 0) {
              return null;
            }
            i = close + 1;
          } else {
            i++;
          }
        }
        case '+' -> {
          // The character before is required once; what follows is not adjacent to it.
          best = better(best, run, minLength, excludeUrlParts);
          i++;
        }
        default -> {
          if (c >= 0x80) {
            return null;
          }
          run.append(c);
          i++;
        }
      }
    }
    return better(best, run, minLength, excludeUrlParts);
  }

  private static String better(String best, StringBuilder run, int min, boolean excludeUrlParts) {
    String r = run.toString().toLowerCase(Locale.ROOT);
    run.setLength(0);
    if (r.length() < min) {
      return best;
    }
    if (excludeUrlParts && (r.indexOf(':') >= 0 || r.indexOf('/') >= 0 || "https://".contains(r))) {
      return best;
    }
    return best == null || r.length() > best.length() ? r : best;
  }

  private static int classEnd(String p, int open) {
    int i = open + 1;
    if (i < p.length() && p.charAt(i) == '^') {
      i++;
    }
    if (i < p.length() && p.charAt(i) == ']') {
      i++;
    }
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '\\') {
        i += 2;
      } else if (c == '[') {
        return -1; // nested classes: do not guess
      } else if (c == ']') {
        return i;
      } else {
        i++;
      }
    }
    return -1;
  }

  private static int groupEnd(String p, int open) {
    int depth = 0;
    int i = open;
    while (i < p.length()) {
      char c = p.charAt(i);
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '[') {
        int close = classEnd(p, i);
        if (close < 0) {
          return -1;
        }
        i = close + 1;
        continue;
      }
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
        if (depth == 0) {
          return i;
        }
      }
      i++;
    }
    return -1;
  }
}
