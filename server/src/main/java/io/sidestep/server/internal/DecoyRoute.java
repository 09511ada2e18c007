package io.sidestep.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Answers a stranger (or a user asking for an ordinary page) as the decoy site, the way a stock
 * nginx serving static files would: the same refusals, 405 for methods a static site lacks,
 * conditional (304, 412) and single-range (206, 416) answers, and its header order.
 */
final class DecoyRoute {

  /** nginx's {@code client_max_body_size}: a larger declared body gets 413. */
  static final long MAX_BODY = 1 << 20;

  private final Exchange ex;
  private boolean preconditionFailed;

  /** The body of the response being built, written after its head; empty for none. */
  private final List<Object> parts = new ArrayList<>();

  DecoyRoute(Exchange ex) {
    this.ex = ex;
  }

  void start(HttpRequest r) {
    ex.record().result("decoy", null);
    ex.answerAsNginx();
    HttpMethod m = r.method();
    String uri = r.uri();
    HttpHeaders h = r.headers();
    // What nginx refuses before it looks for a file, closing the connection, in nginx's order: a
    // target its request-line parser does not take (400), another HTTP major version (505),
    // HTTP/1.1 without Host, two Host headers or a Host no server can have, a path that climbs
    // above the root or has a bad escape (400), a transfer coding other than chunked (501), TRACE
    // (405), a declared body over 1 MiB (413). A refused HEAD gets no body, as nginx's does.
    HttpResponseStatus refused = null;
    if (!parsableTarget(uri)
        // Over HTTP/2 a path is a path: nginx refuses an absolute URI in :path.
        || (ex.ctx().channel() instanceof Http2StreamChannel && !uri.startsWith("/"))) {
      refused = HttpResponseStatus.BAD_REQUEST;
    } else if (r.protocolVersion().majorVersion() != 1) {
      refused = HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
    } else if (m.equals(HttpMethod.CONNECT)
        || (r.protocolVersion().minorVersion() >= 1 && !h.contains(HttpHeaderNames.HOST))
        || h.getAll(HttpHeaderNames.HOST).size() > 1
        || (h.contains(HttpHeaderNames.HOST) && !validHost(h.get(HttpHeaderNames.HOST)))
        || DecoySite.refusedPath(uri)) {
      refused = HttpResponseStatus.BAD_REQUEST;
    } else if (otherTransferCoding(h)) {
      refused = HttpResponseStatus.NOT_IMPLEMENTED;
    } else if (m.equals(HttpMethod.TRACE)) {
      refused = HttpResponseStatus.METHOD_NOT_ALLOWED;
    } else if (HttpUtil.getContentLength(r, 0L) > MAX_BODY) {
      refused = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    }
    if (refused == HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE) {
      ex.respondBeforeBody(HttpResponses.error(ex.alloc(), refused, ex.head(), false));
      return;
    }
    if (refused != null) {
      ex.respond(HttpResponses.error(ex.alloc(), refused, ex.head(), false), false);
      return;
    }
    boolean again = ex.keepAlive();
    Runnable answer =
        !m.equals(HttpMethod.GET) && !ex.head()
            // A static site: 405, and the connection stays open.
            ? () ->
                ex.respond(
                    HttpResponses.error(
                        ex.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, false, again),
                    again)
            : () -> serve(r, again);
    if (ex.ctx().channel() instanceof Http2StreamChannel && !(r instanceof LastHttpContent)) {
      // Over HTTP/2 nginx answers a request whose body is still to come at once, and then resets
      // the stream with NO_ERROR (see Exchange#answerAsNginx).
      answer.run();
      return;
    }
    // Over HTTP/1.1, once the body has been read.
    ex.expectBody(false, answer);
  }

  /**
   * Whether nginx's request-line parser takes {@code uri} as a target. No control character (nor
   * DEL) anywhere, as nginx 1.21.1 and later require. Then either a path, or nginx's absolute form:
   *
   * <ul>
   *   <li>a scheme of letters, digits, {@code +}, {@code -} and {@code .} that starts with a letter
   *       (any scheme, not only http), then {@code ://};
   *   <li>a host of letters, digits, {@code .} and {@code -}, or a bracketed literal of letters,
   *       digits and {@code :._~!$&'()*+,;=-};
   *   <li>after the host the end, a {@code /} or a {@code ?}, or a {@code :} with a port of digits
   *       (maybe none) and then the end or a {@code /};
   *   <li>and a host that passes {@link #validHost}.
   * </ul>
   */
  static boolean parsableTarget(String uri) {
    int n = uri.length();
    if (!noControls(uri)) {
      return false;
    }
    if (uri.startsWith("/")) {
      return true;
    }
    if (n == 0 || !isLetter(uri.charAt(0))) {
      return false;
    }
    int i = 1;
    while (i < n
        && (isLetter(uri.charAt(i))
            || isDigit(uri.charAt(i))
            || "+-.".indexOf(uri.charAt(i)) >= 0)) {
      i++;
    }
    if (!uri.startsWith("://", i)) {
      return false;
    }
    int host = i + 3;
    i = host;
    if (i < n && uri.charAt(i) == '[') {
      int close = uri.indexOf(']', i);
      if (close < 0) {
        return false;
      }
      for (int j = i + 1; j < close; j++) {
        char c = uri.charAt(j);
        if (!isLetter(c) && !isDigit(c) && ":._~!$&'()*+,;=-".indexOf(c) < 0) {
          return false;
        }
      }
      i = close + 1;
    } else {
      while (i < n
          && (isLetter(uri.charAt(i))
              || isDigit(uri.charAt(i))
              || uri.charAt(i) == '.'
              || uri.charAt(i) == '-')) {
        i++;
      }
    }
    if (i < n && uri.charAt(i) == ':') {
      i++;
      while (i < n && isDigit(uri.charAt(i))) {
        i++;
      }
      if (i < n && uri.charAt(i) != '/') {
        return false;
      }
    } else if (i < n && uri.charAt(i) != '/' && uri.charAt(i) != '?') {
      return false;
    }
    return validHost(uri.substring(host, i));
  }

  /**
   * Whether the request names a transfer coding other than chunked, which nginx, knowing no other,
   * answers with 501.
   */
  static boolean otherTransferCoding(HttpHeaders h) {
    String coding = h.get(HttpHeaderNames.TRANSFER_ENCODING);
    return coding != null && !coding.equalsIgnoreCase("chunked");
  }

  /** Whether {@code s} holds no control character, space or DEL, as nginx's URI parsers require. */
  static boolean noControls(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }

  private static boolean isLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /**
   * nginx's Host check: no slash, backslash, control character or space, no two dots in a row,
   * something left once a trailing dot and the port are gone.
   */
  static boolean validHost(String host) {
    int dot = -2;
    int end = host.length();
    boolean inBrackets = false;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (dot == i - 1) {
          return false;
        }
        dot = i;
      } else if (c == '[' && i == 0) {
        inBrackets = true;
      } else if (c == ']') {
        inBrackets = false;
      } else if (c == ':' && !inBrackets && end == host.length()) {
        end = i;
      } else if (c == '/' || c == '\\' || c <= 0x20 || c == 0x7f) {
        return false;
      }
    }
    if (end > 0 && host.charAt(end - 1) == '.') {
      end--;
    }
    return end > 0;
  }

  private void serve(HttpRequest r, boolean again) {
    DecoySite site = ex.rc().decoy();
    String uri = r.uri();
    if (!site.blocking()) {
      answer(r, site.page(uri), again);
      return;
    }
    ex.offLoopInOrder(() -> site.page(uri), page -> answer(r, page, again));
  }

  private void answer(HttpRequest r, DecoySite.Page page, boolean again) {
    preconditionFailed = false;
    parts.clear();
    FullHttpResponse resp;
    try {
      resp = toResponse(r, page, again);
    } catch (IOException e) {
      parts.forEach(Exchange::discard);
      parts.clear();
      throw new UncheckedIOException(e);
    }
    if (parts.isEmpty()) {
      ex.respond(resp, again && !preconditionFailed);
    } else {
      ex.respond(resp, again, List.copyOf(parts));
      parts.clear();
    }
  }

  private FullHttpResponse toResponse(HttpRequest r, DecoySite.Page page, boolean again)
      throws IOException {
    if (page.status().equals(HttpResponseStatus.MOVED_PERMANENTLY)) {
      return redirect(r, page, again);
    }
    if (!page.status().equals(HttpResponseStatus.OK)) {
      return HttpResponses.response(
          ex.alloc(), page.status(), page.contentType(), page.body(), ex.head(), again);
    }
    String lastModified = DateFormatter.format(Date.from(page.modified()));
    String etag = page.etag();
    HttpHeaders h = r.headers();
    String ius = h.get(HttpHeaderNames.IF_UNMODIFIED_SINCE);
    String ifMatch = h.get(HttpHeaderNames.IF_MATCH);
    if ((ius != null && !modifiedBefore(page, ius))
        || (ifMatch != null && !matches(ifMatch, etag, false))) {
      // nginx says keep-alive here, and then closes all the same.
      preconditionFailed = true;
      return HttpResponses.error(
          ex.alloc(), HttpResponseStatus.PRECONDITION_FAILED, ex.head(), again);
    }
    String ims = h.get(HttpHeaderNames.IF_MODIFIED_SINCE);
    String inm = h.get(HttpHeaderNames.IF_NONE_MATCH);
    if ((ims != null || inm != null)
        && (ims == null || ims.equals(lastModified))
        && (inm == null || matches(inm, etag, true))) {
      FullHttpResponse resp =
          HttpResponses.response(
              ex.alloc(), HttpResponseStatus.NOT_MODIFIED, "text/html", new byte[0], true, again);
      String connection = resp.headers().get("Connection");
      resp.headers()
          .remove("Content-Type")
          .remove("Content-Length")
          .remove("Connection")
          .set("Last-Modified", lastModified)
          .set("Connection", connection)
          .set("ETag", etag);
      return resp;
    }
    long length = page.length();
    HttpResponseStatus status = HttpResponseStatus.OK;
    String contentRange = null;
    String ifRange = h.get(HttpHeaderNames.IF_RANGE);
    long[][] ranges =
        ifRange == null || ifRange.equals(etag) || ifRange.equals(lastModified)
            ? ranges(h.get(HttpHeaderNames.RANGE), length)
            : null;
    if (ranges != null && ranges.length > 1) {
      return multipart(page, ranges, lastModified, etag, again);
    }
    long[] range = ranges == null ? null : ranges[0];
    if (range == UNSATISFIABLE) {
      FullHttpResponse resp =
          HttpResponses.error(
              ex.alloc(), HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, ex.head(), again);
      resp.headers().set("Content-Range", "bytes */" + length);
      return resp;
    }
    long start = 0;
    long end = length;
    if (range != null) {
      status = HttpResponseStatus.PARTIAL_CONTENT;
      contentRange = "bytes " + range[0] + "-" + (range[1] - 1) + "/" + length;
      start = range[0];
      end = range[1];
    }
    FullHttpResponse resp = head(status, page.contentType(), end - start, again);
    if (!ex.head() && end > start) {
      parts.add(page.slice(start, end));
    }
    // nginx puts Last-Modified before Connection, then ETag and Accept-Ranges (or Content-Range).
    String connection = resp.headers().get("Connection");
    resp.headers()
        .remove("Connection")
        .set("Last-Modified", lastModified)
        .set("Connection", connection)
        .set("ETag", etag);
    if (contentRange != null) {
      resp.headers().set("Content-Range", contentRange);
    } else {
      resp.headers().set("Accept-Ranges", "bytes");
    }
    return resp;
  }

  /** A response's head alone, its body of {@code length} bytes to follow in {@link #parts}. */
  private FullHttpResponse head(
      HttpResponseStatus status, String contentType, long length, boolean again) {
    FullHttpResponse resp =
        HttpResponses.response(ex.alloc(), status, contentType, new byte[0], true, again);
    String connection = resp.headers().get("Connection");
    resp.headers().remove("Connection").set("Content-Length", length).set("Connection", connection);
    return resp;
  }

  /** nginx's redirect of a directory asked for without its slash. */
  private FullHttpResponse redirect(HttpRequest r, DecoySite.Page page, boolean again) {
    String host = r.headers().get(HttpHeaderNames.HOST);
    InetSocketAddress local = (InetSocketAddress) ex.ctx().channel().localAddress();
    if (host == null || host.isEmpty()) {
      host = local.getAddress().getHostAddress();
    } else if (!host.startsWith("[") && host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    } else if (host.startsWith("[") && host.indexOf(']') > 0) {
      host = host.substring(0, host.indexOf(']') + 1);
    }
    String uri = r.uri();
    int q = uri.indexOf('?');
    String path = DecoySite.rawPath(uri);
    String location =
        "https://"
            + host.toLowerCase(Locale.ROOT)
            + (local.getPort() == 443 ? "" : ":" + local.getPort())
            + path
            + "/"
            + (q >= 0 ? uri.substring(q) : "");
    FullHttpResponse resp =
        HttpResponses.response(
            ex.alloc(), page.status(), page.contentType(), page.body(), ex.head(), again);
    String connection = resp.headers().get("Connection");
    resp.headers().remove("Connection").set("Location", location).set("Connection", connection);
    return resp;
  }

  /** Several ranges: nginx's multipart/byteranges, its boundaries numbered by a counter. */
  private FullHttpResponse multipart(
      DecoySite.Page page, long[][] ranges, String lastModified, String etag, boolean again)
      throws IOException {
    String boundary = String.format("%020d", BOUNDARIES.incrementAndGet());
    long length = 0;
    for (long[] r : ranges) {
      String head =
          "\r\n--"
              + boundary
              + "\r\nContent-Type: "
              + page.contentType()
              + "\r\nContent-Range: bytes "
              + r[0]
              + "-"
              + (r[1] - 1)
              + "/"
              + page.length()
              + "\r\n\r\n";
      length += text(head) + r[1] - r[0];
      if (!ex.head()) {
        parts.add(page.slice(r[0], r[1]));
      }
    }
    length += text("\r\n--" + boundary + "--\r\n");
    FullHttpResponse resp =
        head(
            HttpResponseStatus.PARTIAL_CONTENT,
            "multipart/byteranges; boundary=" + boundary,
            length,
            again);
    String connection = resp.headers().get("Connection");
    resp.headers()
        .remove("Connection")
        .set("Last-Modified", lastModified)
        .set("Connection", connection)
        .set("ETag", etag);
    return resp;
  }

  /** Adds a piece of text to {@link #parts} (unless HEAD), returning its length. */
  private int text(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    if (!ex.head()) {
      parts.add(new DefaultHttpContent(Unpooled.wrappedBuffer(b)));
    }
    return b.length;
  }

  private static final AtomicLong BOUNDARIES = new AtomicLong();

  private static boolean modifiedBefore(DecoySite.Page page, String date) {
    Date d = DateFormatter.parseHttpDate(date);
    return d != null && !page.modified().isAfter(d.toInstant());
  }

  /** nginx's If-Match / If-None-Match test: {@code *}, or one of the listed tags. */
  private static boolean matches(String header, String etag, boolean weak) {
    if (header.trim().equals("*")) {
      return true;
    }
    for (String t : header.split(",")) {
      String tag = t.trim();
      if (weak && tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static final long[] UNSATISFIABLE = new long[0];

  /**
   * The byte ranges asked for, each as [start, end), with {@link #UNSATISFIABLE} alone when none
   * can be served; null to send the whole body. Read as nginx's range filter reads them: {@code
   * bytes=} in any case, then specs of digits and spaces; anything else in a spec (a letter, a
   * control character, a range whose end is before its start) makes the whole header unsatisfiable
   * (416), where a lenient parser would send the whole body. A first range that starts at 0 but
   * holds nothing, or ranges that add up to more than the body, send the whole body.
   */
  static long[][] ranges(String header, long length) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "bytes=", 0, 6)) {
      return null;
    }
    long[][] unsatisfiable = {UNSATISFIABLE};
    List<long[]> out = new ArrayList<>();
    long size = 0;
    int[] at = {6};
    for (; ; ) {
      long start = 0;
      long end;
      boolean suffix = false;
      boolean toTheEnd = false;
      skipSpaces(header, at);
      if (charAt(header, at[0]) != '-') {
        start = number(header, at);
        if (start < 0) {
          return unsatisfiable;
        }
        skipSpaces(header, at);
        if (charAt(header, at[0]++) != '-') {
          return unsatisfiable;
        }
        skipSpaces(header, at);
        toTheEnd = charAt(header, at[0]) == ',' || charAt(header, at[0]) == 0;
      } else {
        suffix = true;
        at[0]++;
      }
      if (toTheEnd) {
        end = length;
      } else {
        end = number(header, at);
        if (end < 0) {
          return unsatisfiable;
        }
        skipSpaces(header, at);
        if (charAt(header, at[0]) != ',' && charAt(header, at[0]) != 0) {
          return unsatisfiable;
        }
        if (suffix) {
          start = end < length ? length - end : 0;
          end = length - 1;
        }
        end = end >= length ? length : end + 1;
      }
      if (start < end) {
        out.add(new long[] {start, end});
        size += end - start;
      } else if (start == 0) {
        return null;
      }
      if (charAt(header, at[0]++) != ',') {
        break;
      }
    }
    if (out.isEmpty()) {
      return unsatisfiable;
    }
    return size > length ? null : out.toArray(new long[0][]);
  }

  /** The character at {@code i}, or 0 past the end (as nginx reads the value's closing NUL). */
  private static char charAt(String s, int i) {
    return i < s.length() ? s.charAt(i) : 0;
  }

  private static void skipSpaces(String s, int[] at) {
    while (charAt(s, at[0]) == ' ') {
      at[0]++;
    }
  }

  /** Digits at {@code at}, read and passed; -1 if there are none or they overflow. */
  private static long number(String s, int[] at) {
    char c = charAt(s, at[0]);
    if (c < '0' || c > '9') {
      return -1;
    }
    long n = 0;
    while ((c = charAt(s, at[0])) >= '0' && c <= '9') {
      if (n > (Long.MAX_VALUE - (c - '0')) / 10) {
        return -1;
      }
      n = n * 10 + (c - '0');
      at[0]++;
    }
    return n;
  }
}
