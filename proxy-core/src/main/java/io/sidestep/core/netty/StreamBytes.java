package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns an HTTP/2 tunnel stream into bytes, so that a {@link Splice} treats it like a socket: DATA
 * frames in become their bytes (an empty one too, so the reader keeps reading), END_STREAM is a FIN
 * (see {@link #HALF_CLOSURE}), and bytes out become DATA frames. Other frames pass untouched; a
 * reset reaches the splice as the stream's own user event.
 */
public final class StreamBytes extends ChannelDuplexHandler {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "stream-bytes";

  /**
   * Set to true on a stream whose reader handles END_STREAM as a half-close (a {@link Splice}
   * does): the stream's counterpart of a socket's {@code ALLOW_HALF_CLOSURE}, off by default.
   */
  public static final AttributeKey<Boolean> HALF_CLOSURE =
      AttributeKey.valueOf("sidestep.stream.halfClosure");

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame data) {
      ctx.fireChannelRead(data.content());
      if (data.isEndStream()) {
        inputEnded(ctx);
      }
    } else if (msg instanceof Http2HeadersFrame headers && headers.isEndStream()) {
      if (headers.headers().status() != null) {
        // An answer's head that ends the stream (a refusal without a body): its handler reads
        // it first. Trailers never carry a pseudo-header (RFC 9113 §8.1).
        ctx.fireChannelRead(msg);
      } else {
        ReferenceCountUtil.release(msg);
      }
      inputEnded(ctx);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  /**
   * As a socket does: with half-closure allowed the reader hears of it; without, this side ends
   * too, so the stream closes (without a reset) and the reader sees the channel go inactive.
   */
  private static void inputEnded(ChannelHandlerContext ctx) {
    if (Boolean.TRUE.equals(ctx.channel().attr(HALF_CLOSURE).get())) {
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    } else {
      ctx.writeAndFlush(new DefaultHttp2DataFrame(true));
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg instanceof ByteBuf b ? new DefaultHttp2DataFrame(b, false) : msg, promise);
  }
}
