package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a connection's first request line as nginx does before the HTTP decoder sees it. The method
 * must be characters of {@code A-Z}, {@code _} or {@code -} followed by a space (leading empty
 * lines are allowed); anything else gets 400 and a close at once, instead of the decoder waiting
 * for a line end that garbage may never send. A line with no version is an HTTP/0.9 request: it is
 * handed on as HTTP/1.0 and the connection is marked {@link #HTTP_09}, so that the answer goes out
 * without a status line or headers, as nginx's does. Once the line is complete the guard removes
 * itself.
 */
public final class RequestGuard extends ByteToMessageDecoder {

  /** Set on a connection whose request is HTTP/0.9. */
  public static final AttributeKey<Boolean> HTTP_09 = AttributeKey.valueOf("sidestep.http09");

  /** Between a request line's parts (compiled once: {@code String.split} would per line). */
  private static final Pattern SPACES = Pattern.compile(" +");

  private int methodLength;
  private boolean inTarget;
  private int scanned;
  private boolean rejected;

  /** Whether {@code ctx}'s connection asked in HTTP/0.9. */
  public static boolean http09(ChannelHandlerContext ctx) {
    return ctx.channel().hasAttr(HTTP_09);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (rejected) {
      in.skipBytes(in.readableBytes());
      return;
    }
    int start = in.readerIndex();
    for (int i = start + scanned; i < in.writerIndex(); i++) {
      int c = in.getUnsignedByte(i);
      if (!inTarget) {
        if (methodLength == 0 && (c == '\r' || c == '\n')) {
          continue;
        }
        if (c == ' ' && methodLength > 0) {
          inTarget = true;
          continue;
        }
        boolean ok = (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
        methodLength++;
        if (!ok) {
          reject(in, out, "not an HTTP method");
          return;
        }
      } else if (c == '\n') {
        String line = in.toString(start, i - start, StandardCharsets.ISO_8859_1).strip();
        String[] parts = SPACES.split(line);
        if (parts.length == 2) {
          ctx.channel().attr(HTTP_09).set(Boolean.TRUE);
          in.skipBytes(in.readableBytes()); // nginx reads nothing after an HTTP/0.9 request
          out.add(Unpooled.copiedBuffer(line + " HTTP/1.0\r\n\r\n", StandardCharsets.ISO_8859_1));
        } else if (parts.length == 3) {
          String version = version(parts[2]);
          if (version == null) {
            reject(in, out, "not an HTTP version");
            return;
          }
          // The line as the decoder reads it: nginx's reading of the version, and no spaces
          // around the parts (nginx allows more than one, and after the version too).
          in.skipBytes(i + 1 - start);
          out.add(
              Unpooled.copiedBuffer(
                  parts[0] + " " + parts[1] + " " + version + "\r\n", StandardCharsets.ISO_8859_1));
        }
        ctx.pipeline().remove(this); // what is left goes on to the HTTP decoder
        return;
      }
    }
    scanned = in.writerIndex() - start;
    if (scanned > RelayInitializer.MAX_INITIAL_LINE) {
      ctx.pipeline().remove(this); // the decoder answers a line this long with 414
    }
  }

  /**
   * A request that failed to decode: the front handler answers it (or hands the connection to the
   * fallback server), and whatever follows is dropped here.
   */
  private void reject(ByteBuf in, List<Object> out, String why) {
    rejected = true;
    in.skipBytes(in.readableBytes());
    DefaultFullHttpRequest bad =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
    bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
    out.add(bad);
  }

  /**
   * nginx's reading of a request line's version: {@code HTTP/}, in capitals, a major number that
   * does not start with 0, a dot and a minor number up to 99; null for anything else. HTTP/1 with
   * any minor number above 0 reads as {@code HTTP/1.1} ({@code HTTP/1.01} and {@code HTTP/1.10}
   * too), with minor 0 as {@code HTTP/1.0}; another major number is left as it is, for the front
   * handler's 505.
   */
  static String version(String token) {
    if (!token.startsWith("HTTP/")) {
      return null;
    }
    int dot = token.indexOf('.', 5);
    if (dot < 0
        || !digits(token, 5, dot)
        || token.charAt(5) == '0'
        || !digits(token, dot + 1, token.length())) {
      return null;
    }
    if (dot - 5 > 1 || token.charAt(5) != '1') {
      return token;
    }
    int minor = Integer.parseInt(token, dot + 1, token.length(), 10);
    if (minor > 99) {
      return null;
    }
    return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  }

  private static boolean digits(String s, int from, int to) {
    if (to <= from || to - from > 9) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
