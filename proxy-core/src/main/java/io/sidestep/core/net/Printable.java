package io.sidestep.core.net;

/**
 * Makes raw input (a host name a client sent, a request line) safe to put in a log line or an error
 * message: control, format and line-separator characters are written as escapes ({@code \n}, {@code
 * \r}, {@code \t}, {@code \\}, else {@code \}{@code uXXXX}), so such input can never start a forged
 * line of its own or hide text.
 */
public final class Printable {
  private Printable() {}

  /** {@code text} with every control, format and separator character escaped; "null" for null. */
  public static String escape(CharSequence text) {
    if (text == null) {
      return "null";
    }
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String e = escape(c);
      if (e != null && b == null) {
        b = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      if (b != null) {
        if (e != null) {
          b.append(e);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? text.toString() : b.toString();
  }

  /**
   * Whether {@code text} holds a control, format or separator character (one that escape hides).
   */
  public static boolean hasHidden(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\\' && escape(c) != null) {
        return true;
      }
    }
    return false;
  }

  private static String escape(char c) {
    return switch (c) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case '\\' -> "\\\\";
      default -> {
        int type = Character.getType(c);
        boolean hidden =
            Character.isISOControl(c)
                || type == Character.FORMAT
                || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
        yield hidden ? String.format("\\u%04x", (int) c) : null;
      }
    };
  }
}
