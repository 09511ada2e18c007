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
          // A request that failed to decode: the front handler answers it (or hands the
          // connection to the fallback server), and whatever follows is dropped here.
          rejected = true;
          in.skipBytes(in.readableBytes());
          DefaultFullHttpRequest bad =
              new DefaultFullHttpRequest(
                  HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
          bad.setDecoderResult(
              DecoderResult.failure(new IllegalArgumentException("not an HTTP method")));
          out.add(bad);
          return;
        }
      } else if (c == '\n') {
        String line = in.toString(start, i - start, StandardCharsets.ISO_8859_1).strip();
        if (line.split(" +").length == 2) {
          ctx.channel().attr(HTTP_09).set(Boolean.TRUE);
          in.skipBytes(in.readableBytes()); // nginx reads nothing after an HTTP/0.9 request
          out.add(Unpooled.copiedBuffer(line + " HTTP/1.0\r\n\r\n", StandardCharsets.ISO_8859_1));
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
}
