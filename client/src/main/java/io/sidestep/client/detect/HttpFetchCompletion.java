package io.sidestep.client.detect;

import java.nio.charset.StandardCharsets;

/** When the first bytes of an HTTP/1.x response make a whole response. */
final class HttpFetchCompletion {
  private HttpFetchCompletion() {}

  /** Whether the bytes hold a whole response (by Content-Length or a last chunk). */
  static boolean complete(byte[] b) {
    String s = new String(b, StandardCharsets.ISO_8859_1);
    int head = s.indexOf("\r\n\r\n");
    if (head < 0) {
      return false;
    }
    String lower = s.substring(0, head).toLowerCase(java.util.Locale.ROOT);
    int cl = lower.indexOf("\ncontent-length:");
    if (cl >= 0) {
      int end = lower.indexOf('\r', cl + 1);
      try {
        long n = Long.parseLong(lower.substring(cl + 16, end < 0 ? lower.length() : end).trim());
        return b.length - (head + 4) >= n;
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (lower.contains("\ntransfer-encoding: chunked")) {
      return s.endsWith("\r\n0\r\n\r\n") || s.substring(head + 4).startsWith("0\r\n\r\n");
    }
    return false;
  }
}
