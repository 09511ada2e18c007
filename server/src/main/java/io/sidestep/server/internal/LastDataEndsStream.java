package io.sidestep.server.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import java.nio.channels.ClosedChannelException;

/**
 * Ends an HTTP/2 response's last DATA frame with END_STREAM, as nginx does, instead of sending an
 * empty DATA frame after it: a response written in parts ends with an empty last content, which the
 * stream's codec makes a frame of its own. Holds back the latest DATA frame until the next write
 * shows whether it was the last; a flush passes the frames before it.
 */
final class LastDataEndsStream extends ChannelOutboundHandlerAdapter {

  private Http2DataFrame held;
  private ChannelPromise heldPromise;

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof Http2DataFrame d) {
      if (held != null
          && d.isEndStream()
          && !d.content().isReadable()
          && d.padding() == 0
          && held.padding() == 0) {
        d.release();
        ChannelPromise first = heldPromise;
        Http2DataFrame last = new DefaultHttp2DataFrame(held.content(), true).stream(held.stream());
        held = null;
        heldPromise = null;
        ctx.write(last)
            .addListener(
                f -> {
                  if (f.isSuccess()) {
                    first.trySuccess();
                    promise.trySuccess();
                  } else {
                    first.tryFailure(f.cause());
                    promise.tryFailure(f.cause());
                  }
                });
        return;
      }
      writeHeld(ctx);
      if (!d.isEndStream()) {
        held = d;
        heldPromise = promise;
        return;
      }
    } else {
      writeHeld(ctx);
    }
    ctx.write(msg, promise);
  }

  private void writeHeld(ChannelHandlerContext ctx) {
    if (held != null) {
      Http2DataFrame d = held;
      ChannelPromise p = heldPromise;
      held = null;
      heldPromise = null;
      ctx.write(d, p);
    }
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    drop();
    ctx.close(promise);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    // Still held on removal: write it, for nothing may come after it any more.
    writeHeld(ctx);
  }

  private void drop() {
    if (held != null) {
      held.release();
      heldPromise.tryFailure(new ClosedChannelException());
      held = null;
      heldPromise = null;
    }
  }
}
