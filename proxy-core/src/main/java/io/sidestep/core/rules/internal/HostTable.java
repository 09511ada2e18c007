package io.sidestep.core.rules.internal;

/**
 * DOMAIN and DOMAIN-SUFFIX entries in one open-addressing hash table keyed by name.
 *
 * <p>A lookup walks the host from its last character to its first, extending {@link
 * String#hashCode()} of the current suffix as it goes, and probes the table at every label
 * boundary. No substring is allocated, the stored hash is compared before any key is touched, and
 * the cost depends on the host's length, not on the number of rules. A name's first (smallest)
 * entry of each kind is kept inline; further entries for the same name, which only repeated names
 * produce, go to a side table.
 */
final class HostTable {
  private static final int EMPTY = 0;

  private int[] hashes = new int[1024];
  private String[] keys = new String[1024];
  private int[] exact = new int[1024];
  private int[] suffix = new int[1024];
  private int[][] exactMore;
  private int[][] suffixMore;
  private int size;
  private int mask = 1023;

  /** Never 0, which marks an empty slot. */
  private static int stored(int h) {
    int s = h ^ (h >>> 16);
    return s == EMPTY ? 1 : s;
  }

  void addExact(String name, int entry) {
    int slot = slotFor(name);
    if (exact[slot] == Ints.NONE) {
      exact[slot] = entry;
    } else {
      if (exactMore == null) {
        exactMore = new int[keys.length][];
      }
      exactMore[slot] = Ints.add(exactMore[slot], entry);
    }
  }

  void addSuffix(String name, int entry) {
    int slot = slotFor(name);
    if (suffix[slot] == Ints.NONE) {
      suffix[slot] = entry;
    } else {
      if (suffixMore == null) {
        suffixMore = new int[keys.length][];
      }
      suffixMore[slot] = Ints.add(suffixMore[slot], entry);
    }
  }

  /** The slot holding {@code name}, created (with no entries) if absent. */
  private int slotFor(String name) {
    if (size * 2 >= keys.length) {
      grow();
    }
    int h = stored(name.hashCode());
    int slot = h & mask;
    while (hashes[slot] != EMPTY) {
      if (hashes[slot] == h && keys[slot].equals(name)) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
    hashes[slot] = h;
    keys[slot] = name;
    exact[slot] = Ints.NONE;
    suffix[slot] = Ints.NONE;
    size++;
    return slot;
  }

  private void grow() {
    int[] oldHashes = hashes;
    String[] oldKeys = keys;
    int[] oldExact = exact;
    int[] oldSuffix = suffix;
    int[][] oldExactMore = exactMore;
    int[][] oldSuffixMore = suffixMore;
    int cap = keys.length * 2;
    hashes = new int[cap];
    keys = new String[cap];
    exact = new int[cap];
    suffix = new int[cap];
    exactMore = oldExactMore == null ? null : new int[cap][];
    suffixMore = oldSuffixMore == null ? null : new int[cap][];
    mask = cap - 1;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldHashes[i] == EMPTY) {
        continue;
      }
      int slot = oldHashes[i] & mask;
      while (hashes[slot] != EMPTY) {
        slot = (slot + 1) & mask;
      }
      hashes[slot] = oldHashes[i];
      keys[slot] = oldKeys[i];
      exact[slot] = oldExact[i];
      suffix[slot] = oldSuffix[i];
      if (oldExactMore != null) {
        exactMore[slot] = oldExactMore[i];
      }
      if (oldSuffixMore != null) {
        suffixMore[slot] = oldSuffixMore[i];
      }
    }
  }

  private static int firstAbove(int first, int[][] more, int slot, int after) {
    if (first > after) {
      return first;
    }
    return first == Ints.NONE || more == null ? Ints.NONE : Ints.firstAbove(more[slot], after);
  }

  /**
   * The smallest entry greater than {@code after} among DOMAIN entries equal to {@code host} and
   * DOMAIN-SUFFIX entries equal to the host or to one of its parent names; {@link Ints#NONE} if
   * none.
   */
  int lookup(String host, int after) {
    if (size == 0) {
      return Ints.NONE;
    }
    int best = Ints.NONE;
    int n = host.length();
    int h = 0;
    int p = 1;
    for (int i = n - 1; i >= 0; i--) {
      h += host.charAt(i) * p;
      p *= 31;
      if (i == 0 || host.charAt(i - 1) == '.') {
        int len = n - i;
        int want = stored(h);
        int slot = want & mask;
        int got;
        while ((got = hashes[slot]) != EMPTY) {
          if (got == want) {
            String k = keys[slot];
            if (k.length() == len && host.regionMatches(i, k, 0, len)) {
              int s = firstAbove(suffix[slot], suffixMore, slot, after);
              if (s < best) {
                best = s;
              }
              if (i == 0) {
                int x = firstAbove(exact[slot], exactMore, slot, after);
                if (x < best) {
                  best = x;
                }
              }
              break;
            }
          }
          slot = (slot + 1) & mask;
        }
      }
    }
    return best;
  }

  int size() {
    return size;
  }
}
