package io.sidestep.core.rules;

/**
 * A rules file, or a list it includes, that cannot be used. The message is {@code FILE:LINE:COL:
 * message (expected: …)}, ready to print as it is; for a list, it also names the rules-file line
 * that included the list.
 */
public final class RulesException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final int column;

  /**
   * @param file the file as the user named it
   * @param line 1-based line, or 0 when the whole file is at fault
   * @param column 1-based column, or 0 when the whole line or file is at fault
   * @param message what is wrong, with {@code (expected: …)}
   */
  public RulesException(String file, int line, int column, String message) {
    super(location(file, line, column) + message);
    this.file = file;
    this.line = line;
    this.column = column;
  }

  /** The same error with a note appended (such as the line that included a list). */
  public RulesException(RulesException cause, String note) {
    super(cause.getMessage() + note, cause);
    this.file = cause.file;
    this.line = cause.line;
    this.column = cause.column;
  }

  private static String location(String file, int line, int column) {
    StringBuilder s = new StringBuilder(file).append(':');
    if (line > 0) {
      s.append(line).append(':');
      if (column > 0) {
        s.append(column).append(':');
      }
    }
    return s.append(' ').toString();
  }

  public String file() {
    return file;
  }

  public int line() {
    return line;
  }

  public int column() {
    return column;
  }
}
