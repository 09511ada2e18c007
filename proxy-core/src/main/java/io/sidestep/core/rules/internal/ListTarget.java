package io.sidestep.core.rules.internal;

import io.sidestep.core.net.IpLiterals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Where the entries of one list go, and what was skipped (for the one warning per list). */
final class ListTarget {
  private static final int EXAMPLES = 3;

  final RuleIndex.Builder b;
  final String name;
  final boolean noResolve;
  int added;
  int exceptions;
  int skipped;
  final List<String> examples = new ArrayList<>();

  ListTarget(RuleIndex.Builder b, String name, boolean noResolve) {
    this.b = b;
    this.name = name;
    this.noResolve = noResolve;
  }

  void skip(int line, String why) {
    skipped++;
    if (examples.size() < EXAMPLES) {
      examples.add("line " + line + ": " + why);
    }
  }

  /**
   * Adds a host pattern: {@code suffix} for "this name and below", otherwise the exact name. An
   * address becomes an address entry; {@code *} wildcards become a regex.
   */
  void host(String raw, boolean suffix, boolean exception, int line) {
    String h = raw;
    if (h.isEmpty()) {
      skip(line, "no host");
      return;
    }
    if (h.indexOf('*') >= 0) {
      wildcard(h, exception, line);
      return;
    }
    if (IpLiterals.isIpLiteral(h)) {
      if (exception) {
        b.exceptions().exact(h.toLowerCase(Locale.ROOT));
        exceptions++;
      } else {
        cidr(h, line);
      }
      return;
    }
    String d;
    try {
      d = Names.domain(h);
    } catch (IllegalArgumentException e) {
      skip(line, "invalid host '" + raw + "': " + e.getMessage());
      return;
    }
    if (exception) {
      if (suffix) {
        b.exceptions().suffix(d);
      } else {
        b.exceptions().exact(d);
      }
      exceptions++;
    } else {
      if (suffix) {
        b.suffix(d, line);
      } else {
        b.exact(d, line);
      }
      added++;
    }
  }

  /** An address or address range, as an IP entry. */
  void cidr(String v, int line) {
    try {
      b.cidr(Entries.cidr(v, 1), noResolve, line);
      added++;
    } catch (LineError e) {
      skip(line, e.getMessage());
    }
  }

  /** A name where a leading {@code +.} or {@code .} means "this name and below". */
  void dottedName(String v, int line) {
    if (v.startsWith("+.")) {
      host(v.substring(2), true, false, line);
    } else if (v.startsWith(".")) {
      host(v.substring(1), true, false, line);
    } else {
      host(v, false, false, line);
    }
  }

  /** A regex written in the list; an invalid one is skipped. */
  void regex(String re, boolean url, boolean exception, int line) {
    try {
      regex(Pattern.compile(re), url, exception, line);
    } catch (java.util.regex.PatternSyntaxException e) {
      skip(line, "invalid regex: " + e.getDescription());
    }
  }

  /** A host with {@code *}: a leading {@code *.} means "below this name"; others a regex. */
  void wildcard(String h, boolean exception, int line) {
    if (h.startsWith("*.") && h.indexOf('*', 1) < 0) {
      // In Clash and gfwlist alike, "*.example.com" stands for names under example.com.
      String rest = h.substring(2);
      StringBuilder re = new StringBuilder("^[^.]+\\.");
      escape(rest.toLowerCase(Locale.ROOT), re);
      re.append('$');
      if (rest.isEmpty()) {
        skip(line, "wildcard without a name");
        return;
      }
      regex(Pattern.compile(re.toString()), false, exception, line);
      return;
    }
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < h.length(); i++) {
      char c = Character.toLowerCase(h.charAt(i));
      if (c == '*') {
        re.append("[^/]*");
      } else {
        escape(String.valueOf(c), re);
      }
    }
    if (re.toString().replace("[^/]*", "").isEmpty()) {
      skip(line, "wildcard matches everything");
      return;
    }
    regex(Pattern.compile(re.toString()), false, exception, line);
  }

  void regex(Pattern p, boolean url, boolean exception, int line) {
    if (exception) {
      b.exceptions().regex(p, url);
      exceptions++;
    } else {
      b.regex(p, url, line);
      added++;
    }
  }

  void keyword(String k, boolean exception, int line) {
    String kw;
    try {
      kw = Entries.keyword(k, 1);
    } catch (LineError e) {
      skip(line, e.getMessage());
      return;
    }
    if (exception) {
      b.exceptions().keyword(kw);
      exceptions++;
    } else {
      b.keyword(kw, line);
      added++;
    }
  }

  private static void escape(String s, StringBuilder out) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c >= 0x80) {
        out.append(c);
      } else {
        out.append('\\').append(c);
      }
    }
  }
}
