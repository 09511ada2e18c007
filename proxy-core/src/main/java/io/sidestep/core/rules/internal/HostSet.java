package io.sidestep.core.rules.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A small set of host patterns, used for a list's {@code @@} exceptions: the list does not match a
 * host this set contains. Exceptions are few, so plain sets and loops do.
 */
public final class HostSet {
  private final Set<String> exact = new HashSet<>();
  private final Set<String> suffixes = new HashSet<>();
  private final List<String> keywords = new ArrayList<>();
  private final List<HostRegex> regexes = new ArrayList<>();

  void exact(String host) {
    exact.add(host);
  }

  void suffix(String name) {
    suffixes.add(name);
  }

  void keyword(String keyword) {
    keywords.add(keyword);
  }

  void regex(Pattern p, boolean url) {
    regexes.add(new HostRegex(p, url, !Names.isAscii(p.pattern())));
  }

  boolean contains(String host) {
    if (exact.contains(host)) {
      return true;
    }
    if (!suffixes.isEmpty()) {
      int i = 0;
      while (true) {
        if (suffixes.contains(host.substring(i))) {
          return true;
        }
        int dot = host.indexOf('.', i);
        if (dot < 0) {
          break;
        }
        i = dot + 1;
      }
    }
    for (String k : keywords) {
      if (host.contains(k)) {
        return true;
      }
    }
    for (HostRegex r : regexes) {
      if (r.matches(host)) {
        return true;
      }
    }
    return false;
  }
}
