package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.AsciiString;
import io.sidestep.core.netty.Http2Link;
import java.util.List;
import java.util.Map;

/**
 * A request stream's codec (HTTP/2 frames to HTTP/1 messages and back) that reads the request's
 * header list as nginx 1.22 reads it before making it an HTTP/1 request. The relay's HTTP/2 codec
 * checks nothing of its own (Netty's checks differ from nginx's, and a prober sees the difference),
 * so this is where every request's header list is checked, a user's as well as a stranger's. Field
 * by field, in order:
 *
 * <ul>
 *   <li>A name with an uppercase letter, a control character, a space, DEL or a colon (past a
 *       pseudo-header's own), or a value with NUL, CR or LF: the stream is reset (PROTOCOL_ERROR).
 *   <li>Another name with a character other than lowercase letters, digits and {@code -} (an
 *       underscore, a dot): the field is left out.
 *   <li>A pseudo-header other than {@code :method}, {@code :scheme}, {@code :path} and {@code
 *       :authority}, one of them twice or empty, a method of other than uppercase letters, {@code
 *       _} and {@code -}, a scheme that is not a letter and then letters, digits, {@code +}, {@code
 *       -} and {@code .}, a path with a control character, space or DEL, or a second Host (an
 *       {@code :authority} counts as one, as nginx takes it for one): 400.
 * </ul>
 *
 * <p>A header list of more than {@link #MAX_LIST} bytes of names and values, or a name or value
 * longer than {@link #MAX_STRING_DECODED}, ends the connection (ENHANCE_YOUR_CALM), before any of
 * that. Then a request without {@code :method}, or (except a CONNECT, the relay link's own) without
 * {@code :scheme} or {@code :path}, gets 400, and so does one that ended with its headers but
 * declares a body. Another control character in a value becomes byte 0xFF, as {@link RequestGuard}
 * does over HTTP/1.1. A 400 is handed on as an HTTP/1 request that failed to decode, which the
 * front handler answers with nginx's page. Only the first HEADERS frame is looked at; trailers and
 * DATA are converted as Netty's codec converts them.
 */
final class H2RequestHead extends Http2StreamFrameToHttpObjectCodec {

  enum Verdict {
    OK,
    RESET,
    BAD_REQUEST,
    /** 400 to a request whose method, HEAD, was read first: nginx answers it without a body. */
    BAD_HEAD_REQUEST
  }

  private boolean requestRead;

  H2RequestHead() {
    super(true);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, Http2StreamFrame msg, List<Object> out)
      throws Exception {
    if (requestRead || !(msg instanceof Http2HeadersFrame frame)) {
      super.decode(ctx, msg, out); // trailers, DATA, resets
      return;
    }
    requestRead = true;
    if (overLimits(frame.headers())) {
      tooLarge(ctx);
      return;
    }
    Http2Headers kept = new DefaultHttp2Headers(false);
    // A Content-Length that declared a body on a request that ended was taken out before Netty's
    // decoder, which would have reset the stream; it counts as read here.
    Channel connection = ctx.channel().parent();
    boolean hidden =
        connection != null
            && frame.stream() != null
            && Http2Link.declaredBodyButEnded(connection, frame.stream().id());
    Verdict verdict = read(frame.headers(), frame.isEndStream(), hidden, kept);
    switch (verdict) {
      case OK ->
          super.decode(
              ctx,
              new DefaultHttp2HeadersFrame(kept, frame.isEndStream()).stream(frame.stream()),
              out);
      case RESET -> {
        ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.PROTOCOL_ERROR));
        ctx.close();
      }
      case BAD_REQUEST, BAD_HEAD_REQUEST -> {
        HttpMethod method = verdict == Verdict.BAD_HEAD_REQUEST ? HttpMethod.HEAD : HttpMethod.GET;
        HttpRequest bad =
            frame.isEndStream()
                ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/")
                : new DefaultHttpRequest(HttpVersion.HTTP_1_1, method, "/");
        bad.setDecoderResult(
            DecoderResult.failure(new IllegalArgumentException("HTTP/2 header list")));
        out.add(bad);
      }
    }
  }

  /**
   * The names and values a request may have in all, {@value} bytes: nginx's
   * large_client_header_buffers (4 of 8 KiB). Past it nginx ends the connection with
   * ENHANCE_YOUR_CALM.
   */
  static final int MAX_LIST = 4 * 8192;

  /**
   * The longest name or value nginx takes, {@value} bytes, as HPACK decodes it. nginx refuses a
   * string whose encoded length is over 8 KiB; Huffman's shortest code is 5 bits, so a string that
   * decodes to more than this was surely over. A shorter one may have been, if the client did not
   * use Huffman's code where it was shorter; that is not known after decoding, and is let through.
   */
  static final int MAX_STRING_DECODED = 8192 * 8 / 5;

  /**
   * Whether {@code headers} are over {@link #MAX_LIST} or hold a string over {@link
   * #MAX_STRING_DECODED}.
   */
  private static boolean overLimits(Http2Headers headers) {
    long size = 0;
    for (Map.Entry<CharSequence, CharSequence> field : headers) {
      int name = field.getKey().length();
      int value = field.getValue().length();
      size += name + value;
      if (name > MAX_STRING_DECODED || value > MAX_STRING_DECODED) {
        return true;
      }
    }
    return size > MAX_LIST;
  }

  /** Ends the stream's connection with ENHANCE_YOUR_CALM, as nginx does. */
  private static void tooLarge(ChannelHandlerContext ctx) {
    Channel connection = ctx.channel().parent();
    Http2FrameCodec codec =
        connection == null ? null : connection.pipeline().get(Http2FrameCodec.class);
    ChannelHandlerContext at = codec == null ? null : connection.pipeline().context(codec);
    if (at == null) {
      ctx.close();
      return;
    }
    codec.onError(
        at,
        false,
        Http2Exception.connectionError(
            Http2Error.ENHANCE_YOUR_CALM,
            "header list over %d bytes, as nginx reads it",
            MAX_LIST));
  }

  /** Reads {@code headers} into {@code kept}, the fields that stay, and says what nginx would. */
  static Verdict read(Http2Headers headers, boolean ended, Http2Headers kept) {
    return read(headers, ended, false, kept);
  }

  /**
   * As {@link #read(Http2Headers, boolean, Http2Headers)}, for a request that declared a body with
   * a Content-Length taken out of {@code headers} if {@code bodyDeclared}.
   */
  static Verdict read(
      Http2Headers headers, boolean ended, boolean bodyDeclared, Http2Headers kept) {
    Verdict verdict = Verdict.OK;
    boolean path = false;
    boolean method = false;
    boolean scheme = false;
    boolean connect = false;
    boolean body = bodyDeclared;
    boolean head = false; // :method HEAD read before any refusal
    int hosts = 0;
    for (Map.Entry<CharSequence, CharSequence> field : headers) {
      CharSequence name = field.getKey();
      CharSequence value = field.getValue();
      if (verdict == Verdict.BAD_REQUEST) {
        // nginx reads no more of a request it has refused, but resets it for a bad field still.
        if (!fieldOk(name, value)) {
          return Verdict.RESET;
        }
        continue;
      }
      if (!fieldOk(name, value)) {
        return Verdict.RESET;
      }
      boolean pseudo = name.length() > 0 && name.charAt(0) == ':';
      if (pseudo) {
        String n = name.toString();
        String v = value.toString();
        // A path that does not start with "/" is left to the routes: a user's absolute-form
        // request has one, and the decoy refuses it for a stranger.
        boolean ok =
            switch (n) {
              case ":path" -> !path && (path = true) && !v.isEmpty() && DecoyRoute.noControls(v);
              case ":method" -> !method && (method = true) && !v.isEmpty() && methodOk(v);
              case ":scheme" -> !scheme && (scheme = true) && schemeOk(v);
              case ":authority" -> hosts++ == 0;
              default -> false;
            };
        if (!ok) {
          verdict = Verdict.BAD_REQUEST;
          continue;
        }
        if (n.equals(":method") && v.equals("CONNECT")) {
          connect = true;
        }
        if (n.equals(":method") && v.equals("HEAD")) {
          head = true;
        }
        kept.add(name, value);
        continue;
      }
      if (!nameUsual(name)) {
        continue; // nginx's ignore_invalid_headers
      }
      if (AsciiString.contentEquals(name, "content-length") && !Http2Link.onlyZeros(value)) {
        body = true;
      }
      if (AsciiString.contentEquals(name, "host") && hosts++ > 0) {
        verdict = Verdict.BAD_REQUEST; // nginx takes :authority as a Host header
        continue;
      }
      kept.add(name, RequestGuard.controlsMarked(name.toString(), value));
    }
    if (verdict == Verdict.BAD_REQUEST
        || !method
        || (!connect && (!scheme || !path))
        || (ended && body)) {
      return head ? Verdict.BAD_HEAD_REQUEST : Verdict.BAD_REQUEST;
    }
    return Verdict.OK;
  }

  /** nginx's check of every field: a name it can read, a value without NUL, CR or LF. */
  private static boolean fieldOk(CharSequence name, CharSequence value) {
    if (name.length() == 0) {
      return false;
    }
    for (int i = name.charAt(0) == ':' ? 1 : 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c == 0x7f || c == ':' || (c >= 'A' && c <= 'Z')) {
        return false;
      }
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return false;
      }
    }
    return true;
  }

  /** Lowercase letters, digits and {@code -}: a name nginx does not ignore. */
  private static boolean nameUsual(CharSequence name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return false;
      }
    }
    return true;
  }

  private static boolean methodOk(String m) {
    return m.chars().allMatch(RequestGuard::methodChar);
  }

  private static boolean schemeOk(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      char lower = (char) (c | 0x20);
      boolean letter = lower >= 'a' && lower <= 'z';
      boolean more = (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
      if (!letter && !(more && i > 0)) {
        return false;
      }
    }
    return true;
  }
}
