package io.sidestep.client.probe;

import io.sidestep.core.detect.ProbeVerdict;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A one-line progress bar redrawn in place with {@code \r}: {@code [#####.....] 120/553 ok 100
 * blocked 15 down 5}. Draws nothing when not on a terminal.
 */
public final class ProgressBar {
  private static final int WIDTH = 30;
  private final PrintStream out;
  private final boolean enabled;
  private int lastLength;

  public ProgressBar(PrintStream out, boolean enabled) {
    this.out = out;
    this.enabled = enabled;
  }

  public synchronized void update(int done, int total, Map<ProbeVerdict, Integer> counts) {
    if (!enabled) {
      return;
    }
    String line = line(done, total, counts);
    out.print("\r" + line + " ".repeat(Math.max(0, lastLength - line.length())));
    out.flush();
    lastLength = line.length();
  }

  /** Clears the bar so that the table starts on a clean line. */
  public synchronized void finish() {
    if (enabled && lastLength > 0) {
      out.print("\r" + " ".repeat(lastLength) + "\r");
      out.flush();
    }
  }

  static String line(int done, int total, Map<ProbeVerdict, Integer> counts) {
    int filled = total == 0 ? WIDTH : (int) ((long) done * WIDTH / total);
    int blocked = 0;
    for (Map.Entry<ProbeVerdict, Integer> e : counts.entrySet()) {
      if (e.getKey().blocked()) {
        blocked += e.getValue();
      }
    }
    return String.format(
        Locale.ROOT,
        "[%s%s] %d/%d  ok %d  blocked %d  down %d",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        done,
        total,
        counts.getOrDefault(ProbeVerdict.OK, 0),
        blocked,
        counts.getOrDefault(ProbeVerdict.DOWN, 0));
  }
}
