package io.sidestep.client.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Holds what a browser sends while LittleProxy has stopped reading its connection, and passes it on
 * once LittleProxy reads again. LittleProxy stops reading while a hop to the core connects, but the
 * rest of what the last read brought (the end of the request that opened the hop, at least) still
 * reaches it, and it would park its thread until the hop is up: one slow destination would stall
 * every connection on that thread. Held here instead, that rest waits without a thread. At most one
 * read's worth is held, since nothing more is read until LittleProxy asks.
 */
final class Paused extends ChannelDuplexHandler {

  static final String NAME = "sidestep-paused";

  private final ArrayDeque<Object> held = new ArrayDeque<>();
  private boolean releasing;

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (held.isEmpty() && ctx.channel().config().isAutoRead()) {
      ctx.fireChannelRead(msg);
    } else {
      held.add(msg);
    }
  }

  /**
   * LittleProxy reads again (it turned auto-read back on): first what was held, in order. Not at
   * once but in a task of its own, because LittleProxy asks from inside its own bookkeeping of the
   * hop (maybe on this very thread) and is ready for the rest only after that.
   */
  @Override
  public void read(ChannelHandlerContext ctx) {
    if (held.isEmpty()) {
      ctx.read();
    } else if (!releasing) {
      releasing = true;
      ctx.executor().execute(() -> release(ctx));
    }
  }

  private void release(ChannelHandlerContext ctx) {
    releasing = false;
    if (ctx.isRemoved()) {
      return;
    }
    boolean passed = false;
    while (!held.isEmpty() && ctx.channel().config().isAutoRead()) {
      ctx.fireChannelRead(held.poll());
      passed = true;
    }
    if (passed) {
      ctx.fireChannelReadComplete();
    }
    if (held.isEmpty()) {
      ctx.read();
    } // else LittleProxy stopped again, and asks anew when it is ready
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }
}
