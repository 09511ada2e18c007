package io.sidestep.core.rules.internal;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A multi-pattern substring matcher (Aho-Corasick) compiled to a dense automaton: one array read
 * per character of the host, whatever the number of patterns.
 *
 * <p>Patterns are ASCII; any other character of the text sends the automaton back to its start.
 * Each pattern carries a number (an entry or a regex number); a state's output is the ascending
 * list of the numbers of every pattern that ends there, including through failure links, so a
 * caller reads one list per position.
 */
final class AhoCorasick {
  private final int[] classOf = new int[128];
  private final int width;
  private final int[] delta;
  // The same table in half the memory when there are fewer than 65,536 states (the usual case),
  // so more of it stays in the CPU cache.
  private final char[] small;
  private final int[][] out;

  /**
   * @param patterns non-empty ASCII strings
   * @param values the number each pattern reports, same order as {@code patterns}
   */
  AhoCorasick(List<String> patterns, int[] values) {
    int w = 1;
    for (String p : patterns) {
      for (int i = 0; i < p.length(); i++) {
        char c = p.charAt(i);
        if (c >= 128) {
          throw new IllegalArgumentException("non-ASCII pattern: " + p);
        }
        if (classOf[c] == 0) {
          classOf[c] = w++;
        }
      }
    }
    width = w;
    // Trie with sparse children while building.
    List<Map<Integer, Integer>> children = new ArrayList<>();
    List<int[]> outputs = new ArrayList<>();
    children.add(new HashMap<>());
    outputs.add(null);
    for (int pi = 0; pi < patterns.size(); pi++) {
      String p = patterns.get(pi);
      int s = 0;
      for (int i = 0; i < p.length(); i++) {
        int cls = classOf[p.charAt(i)];
        Integer next = children.get(s).get(cls);
        if (next == null) {
          next = children.size();
          children.add(new HashMap<>());
          outputs.add(null);
          children.get(s).put(cls, next);
        }
        s = next;
      }
      outputs.set(s, Ints.add(outputs.get(s), values[pi]));
    }
    int states = children.size();
    if ((long) states * width > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("too many keyword characters: " + states + " states");
    }
    int[] delta = new int[states * width];
    out = new int[states][];
    int[] fail = new int[states];
    ArrayDeque<Integer> queue = new ArrayDeque<>();
    // Breadth first: a state's failure target is always finished before the state itself.
    for (int cls = 0; cls < width; cls++) {
      Integer child = children.get(0).get(cls);
      if (child != null) {
        delta[cls] = child;
        fail[child] = 0;
        queue.add(child);
      }
    }
    out[0] = outputs.get(0);
    while (!queue.isEmpty()) {
      int s = queue.poll();
      out[s] = Ints.union(outputs.get(s), out[fail[s]]);
      for (int cls = 0; cls < width; cls++) {
        Integer child = children.get(s).get(cls);
        if (child != null) {
          delta[s * width + cls] = child;
          fail[child] = delta[fail[s] * width + cls];
          queue.add(child);
        } else {
          delta[s * width + cls] = delta[fail[s] * width + cls];
        }
      }
    }
    if (states <= Character.MAX_VALUE) {
      small = new char[delta.length];
      for (int i = 0; i < delta.length; i++) {
        small[i] = (char) delta[i];
      }
      this.delta = null;
    } else {
      small = null;
      this.delta = delta;
    }
  }

  int next(int state, char c) {
    int i = state * width + (c < 128 ? classOf[c] : 0);
    return small != null ? small[i] : delta[i];
  }

  /** Ascending numbers of the patterns ending at {@code state}, or null. */
  int[] out(int state) {
    return out[state];
  }
}
