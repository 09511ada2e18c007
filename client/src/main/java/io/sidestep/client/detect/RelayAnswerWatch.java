package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;

/**
 * Watches a relay tunnel after the user's flight was replayed into it: the first byte back is the
 * control's success ("the relay completes the step"); a failure or silence first means the site
 * fails through the relay too. Passes everything on (or, as a pure control, drops it), and removes
 * itself after reporting.
 */
final class RelayAnswerWatch extends ChannelInboundHandlerAdapter {

  static final String NAME = "detect-relay-answer";

  interface Listener {
    void answered(int firstBytes);

    void failed(String why);
  }

  private final Duration timeout;
  private final boolean control;
  private final Listener listener;
  private boolean reported;

  /**
   * @param control true when nobody reads this tunnel but the watch: bytes are dropped and the
   *     channel closed after the answer
   */
  RelayAnswerWatch(Duration timeout, boolean control, Listener listener) {
    this.timeout = timeout;
    this.control = control;
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Silence.watch(ctx, timeout);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !reported) {
      fail(ctx, "the relay tunnel ended before any byte");
      if (control) {
        ctx.close();
      } else {
        ctx.fireUserEventTriggered(evt);
      }
      return;
    }
    if (!Silence.is(evt)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    if (!reported) {
      reported = true;
      Silence.stop(ctx);
      listener.failed("no byte through the relay within " + timeout.toMillis() + " ms");
      if (control) {
        ctx.close();
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!reported) {
      reported = true;
      Silence.stop(ctx);
      listener.answered(msg instanceof ByteBuf b ? b.readableBytes() : 0);
    }
    if (control) {
      ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    ctx.fireChannelRead(msg);
    if (ctx.pipeline().context(this) != null) {
      ctx.pipeline().remove(this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
    if (control) {
      ctx.close();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(ctx, "the relay tunnel closed before any byte");
    ctx.fireChannelInactive();
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    if (!reported) {
      reported = true;
      Silence.stop(ctx);
      listener.failed(why);
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Silence.stop(ctx);
  }
}
