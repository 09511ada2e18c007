package io.sidestep.core.rules.internal;

import java.util.Arrays;

/** Small helpers on sorted {@code int[]} lists of entry numbers. */
final class Ints {
  private Ints() {}

  static final int NONE = Integer.MAX_VALUE;

  /** The smallest value in the ascending {@code sorted} greater than {@code after}, or NONE. */
  static int firstAbove(int[] sorted, int after) {
    if (sorted == null) {
      return NONE;
    }
    for (int v : sorted) {
      if (v > after) {
        return v;
      }
    }
    return NONE;
  }

  /** Appends {@code v} keeping ascending order and no duplicates. */
  static int[] add(int[] sorted, int v) {
    if (sorted == null) {
      return new int[] {v};
    }
    int pos = Arrays.binarySearch(sorted, v);
    if (pos >= 0) {
      return sorted;
    }
    int at = -pos - 1;
    int[] out = new int[sorted.length + 1];
    System.arraycopy(sorted, 0, out, 0, at);
    out[at] = v;
    System.arraycopy(sorted, at, out, at + 1, sorted.length - at);
    return out;
  }

  /** The sorted union of two ascending lists, either of which may be null. */
  static int[] union(int[] a, int[] b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    int[] out = new int[a.length + b.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.length || j < b.length) {
      int v;
      if (j >= b.length || (i < a.length && a[i] < b[j])) {
        v = a[i++];
      } else if (i >= a.length || b[j] < a[i]) {
        v = b[j++];
      } else {
        v = a[i++];
        j++;
      }
      out[n++] = v;
    }
    return n == out.length ? out : Arrays.copyOf(out, n);
  }
}
