package io.sidestep.lab;

/**
 * What one fetch of a page produced: the tool and door, curl's exit code (or Chromium's), the HTTP
 * status, the body (for Chromium, the DOM), and curl's timings in seconds.
 */
record Visit(
    String how,
    String url,
    int exit,
    int status,
    String body,
    double seconds,
    double connectSeconds,
    double tlsSeconds,
    String redirectUrl,
    String err,
    boolean timedOut) {

  boolean shows(String marker) {
    return body.contains(marker);
  }

  /** True when curl's trace shows the TCP connection was made (to the origin or the proxy). */
  boolean tcpConnected() {
    return err.contains("* Connected to ");
  }

  /** True when curl's trace shows a completed TLS handshake. */
  boolean tlsHandshakeDone() {
    return err.contains("* SSL connection using ");
  }

  /** curl's own error line(s), without its trace. */
  String error() {
    return err.lines()
        .filter(
            l ->
                !l.startsWith("*")
                    && !l.startsWith(">")
                    && !l.startsWith("<")
                    && !l.startsWith("{")
                    && !l.startsWith("}"))
        .reduce("", (a, b) -> a.isEmpty() ? b : a + " " + b)
        .strip();
  }

  /** One line for assertion messages: how, what came back, how long it took. */
  String describe() {
    String outcome = timedOut ? "killed at its time limit" : "exit " + exit;
    String e = error();
    String error = e.isBlank() ? "" : ", error: " + Cmd.tail(e, 400);
    return "%s %s: %s, HTTP %d, %d bytes, %.2f s%s"
        .formatted(how, url, outcome, status, body.length(), seconds, error);
  }
}
