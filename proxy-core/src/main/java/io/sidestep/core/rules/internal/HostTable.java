package io.sidestep.core.rules.internal;

import java.util.Map;

/**
 * DOMAIN and DOMAIN-SUFFIX entries in one open-addressing hash table keyed by name.
 *
 * <p>A lookup walks the host from its last character to its first, extending {@link
 * String#hashCode()} of the current suffix as it goes, and probes the table at every label
 * boundary. No substring is allocated, and the cost depends on the host's length, not on the number
 * of rules.
 */
final class HostTable {
  private final String[] keys;
  private final int[][] exact;
  private final int[][] suffix;
  private final int mask;

  /** Builds the table from name to (exact entries, suffix entries). */
  HostTable(Map<String, int[][]> byName) {
    int cap = 16;
    while (cap < byName.size() * 2) {
      cap <<= 1;
    }
    keys = new String[cap];
    exact = new int[cap][];
    suffix = new int[cap][];
    mask = cap - 1;
    for (Map.Entry<String, int[][]> e : byName.entrySet()) {
      String k = e.getKey();
      int slot = spread(k.hashCode()) & mask;
      while (keys[slot] != null) {
        slot = (slot + 1) & mask;
      }
      keys[slot] = k;
      exact[slot] = e.getValue()[0];
      suffix[slot] = e.getValue()[1];
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }

  /**
   * The smallest entry greater than {@code after} among DOMAIN entries equal to {@code host} and
   * DOMAIN-SUFFIX entries equal to the host or to one of its parent names; {@link Ints#NONE} if
   * none.
   */
  int lookup(String host, int after) {
    int best = Ints.NONE;
    int n = host.length();
    int h = 0;
    int p = 1;
    for (int i = n - 1; i >= 0; i--) {
      h += host.charAt(i) * p;
      p *= 31;
      if (i == 0 || host.charAt(i - 1) == '.') {
        int len = n - i;
        int slot = spread(h) & mask;
        String k;
        while ((k = keys[slot]) != null) {
          if (k.length() == len && host.regionMatches(i, k, 0, len)) {
            int s = Ints.firstAbove(suffix[slot], after);
            if (s < best) {
              best = s;
            }
            if (i == 0) {
              int x = Ints.firstAbove(exact[slot], after);
              if (x < best) {
                best = x;
              }
            }
            break;
          }
          slot = (slot + 1) & mask;
        }
      }
    }
    return best;
  }

  int size() {
    int n = 0;
    for (String k : keys) {
      if (k != null) {
        n++;
      }
    }
    return n;
  }
}
