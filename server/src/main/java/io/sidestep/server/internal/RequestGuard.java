package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/**
 * Rejects a connection whose first request does not begin like HTTP, as nginx does: the method must
 * be 1-20 characters of {@code A-Z}, {@code _} or {@code -} followed by a space (leading empty
 * lines are allowed). Anything else gets 400 and a close at once, instead of the HTTP decoder
 * waiting for a line end that garbage may never send. Once the method is seen the guard removes
 * itself; it never holds bytes back.
 */
public final class RequestGuard extends ChannelInboundHandlerAdapter {

  private static final int MAX_METHOD = 20;
  private int methodLength;
  private boolean rejected;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!(msg instanceof ByteBuf buf)) {
      ctx.fireChannelRead(msg);
      return;
    }
    for (int i = buf.readerIndex(); i < buf.writerIndex(); i++) {
      int c = buf.getUnsignedByte(i);
      if (methodLength == 0 && (c == '\r' || c == '\n')) {
        continue;
      }
      if (c == ' ' && methodLength > 0) {
        ctx.pipeline().remove(this);
        ctx.fireChannelRead(buf);
        return;
      }
      boolean ok = (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
      if (!ok || ++methodLength > MAX_METHOD) {
        rejected = true;
        buf.release();
        ctx.writeAndFlush(HttpResponses.rawClose(ctx.alloc(), HttpResponseStatus.BAD_REQUEST, null))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
    }
    ctx.fireChannelRead(buf); // undecided yet: the decoder keeps the bytes, we keep counting
  }
}
