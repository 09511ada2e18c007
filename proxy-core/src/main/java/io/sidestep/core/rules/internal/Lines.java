package io.sidestep.core.rules.internal;

import java.util.Iterator;

/**
 * Walks the lines of a text one at a time ({@code \n}, {@code \r\n} or {@code \r}, as {@link
 * String#lines} splits them), so a big file is never held as an array of lines as well as a string.
 */
final class Lines {
  private final Iterator<String> lines;
  private int number;

  Lines(String text) {
    lines = text.lines().iterator();
  }

  /** The next line without its line break, or null at the end. */
  String next() {
    if (!lines.hasNext()) {
      return null;
    }
    number++;
    return lines.next();
  }

  /** {@code s} without a {@code #} comment, which starts a line or follows a space. */
  static String stripComment(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '#' && (i == 0 || Character.isWhitespace(s.charAt(i - 1)))) {
        return s.substring(0, i);
      }
    }
    return s;
  }

  /** The 1-based number of the line last returned. */
  int number() {
    return number;
  }
}
