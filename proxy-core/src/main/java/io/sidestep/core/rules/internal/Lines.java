package io.sidestep.core.rules.internal;

/**
 * Walks the lines of a text one at a time ({@code \n}, {@code \r\n} or {@code \r}), so a big file
 * is never held as an array of lines as well as a string.
 */
final class Lines {
  private final String text;
  private int pos;
  private int number;

  Lines(String text) {
    this.text = text;
  }

  /** The next line without its line break, or null at the end. */
  String next() {
    int len = text.length();
    if (pos > len || (pos == len && number > 0)) {
      return null;
    }
    int end = pos;
    while (end < len) {
      char c = text.charAt(end);
      if (c == '\n' || c == '\r') {
        break;
      }
      end++;
    }
    String line = text.substring(pos, end);
    if (end < len && text.charAt(end) == '\r' && end + 1 < len && text.charAt(end + 1) == '\n') {
      end++;
    }
    pos = end + 1;
    number++;
    return line;
  }

  /** The 1-based number of the line last returned. */
  int number() {
    return number;
  }
}
