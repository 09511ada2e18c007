package io.sidestep.core.rules.internal;

import io.sidestep.core.net.Printable;

/** A problem in one line, at a 1-based column; the caller adds the file and line. */
public final class LineError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int column;

  /**
   * {@code message} quotes parts of the line. One that holds a control character is escaped whole
   * ({@link Printable#escape}), so that an error shown in a terminal or written to the log cannot
   * carry a terminal escape or start a forged line; other messages keep their backslashes as the
   * line had them (a regex).
   */
  public LineError(int column, String message) {
    super(Printable.hasHidden(message) ? Printable.escape(message) : message, null, false, false);
    this.column = column;
  }

  public int column() {
    return column;
  }
}
