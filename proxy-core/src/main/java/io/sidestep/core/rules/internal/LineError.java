package io.sidestep.core.rules.internal;

/** A problem in one line, at a 1-based column; the caller adds the file and line. */
public final class LineError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int column;

  public LineError(int column, String message) {
    super(message, null, false, false);
    this.column = column;
  }

  public int column() {
    return column;
  }
}
