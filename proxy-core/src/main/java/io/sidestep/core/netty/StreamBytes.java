package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * Turns an HTTP/2 tunnel stream into bytes, so that a {@link Splice} treats it like a socket: DATA
 * frames in become their bytes (an empty one too, so the reader keeps reading), END_STREAM becomes
 * a {@link ChannelInputShutdownEvent} (a FIN), and bytes out become DATA frames. Other frames pass
 * untouched; a reset reaches the splice as the stream's own user event.
 */
public final class StreamBytes extends ChannelDuplexHandler {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "stream-bytes";

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2DataFrame data) {
      ctx.fireChannelRead(data.content());
      if (data.isEndStream()) {
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
      }
    } else if (msg instanceof Http2HeadersFrame trailers && trailers.isEndStream()) {
      ReferenceCountUtil.release(msg);
      ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    } else {
      ctx.fireChannelRead(msg);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg instanceof ByteBuf b ? new DefaultHttp2DataFrame(b, false) : msg, promise);
  }
}
