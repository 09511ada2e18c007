package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.netty.HeldBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches a direct connection after the user's first flight was written: the first bytes back (kept
 * until {@link #handOver}), or a reset, an EOF or silence before them. Reports exactly once.
 */
final class FirstResponseWatch extends ChannelInboundHandlerAdapter {

  static final String NAME = "detect-first-response";

  interface Listener {
    /** The first bytes arrived (they are held here until {@link #handOver}). */
    void answered();

    /** The connection failed before any byte came back. */
    void failed(StreamFailure failure, String detail);
  }

  private final Duration timeout;
  private final Listener listener;
  private final List<Object> held = new ArrayList<>();
  private ChannelHandlerContext ctx;
  private boolean reported;

  FirstResponseWatch(Duration timeout, Listener listener) {
    this.timeout = timeout;
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    Silence.watch(ctx, timeout);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (Silence.is(evt)) {
      report(null, StreamFailure.SILENCE, "silence");
    } else if (evt instanceof ChannelInputShutdownEvent) {
      if (!reported) {
        report(null, StreamFailure.EOF, "closed"); // a half-close before any byte
      } else if (!held.isEmpty()) {
        held.add(evt); // the end of an answer that came whole: after its bytes, for the splice
      } else {
        ctx.fireUserEventTriggered(evt);
      }
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (reported && held.isEmpty()) {
      ReferenceCountUtil.release(msg); // failed already: nothing goes anywhere
      return;
    }
    if (msg instanceof ByteBuf b && !b.isReadable()) {
      b.release();
      ctx.read();
      return;
    }
    held.add(msg);
    report(listener::answered, null, null);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Swallowed: whoever takes over decides when to read next.
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!reported) {
      report(
          null,
          StreamFailure.RESET,
          cause.getMessage() == null ? cause.toString() : cause.getMessage());
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!reported) {
      report(null, StreamFailure.EOF, "closed");
    }
    ctx.fireChannelInactive();
  }

  private void report(Runnable answered, StreamFailure failure, String detail) {
    if (reported) {
      return;
    }
    reported = true;
    Silence.stop(ctx);
    if (answered != null) {
      answered.run();
    } else {
      listener.failed(failure, detail);
    }
  }

  /**
   * Replaces this watch with a {@link HeldBytes} holding what came, so that a splice delivers the
   * bytes first.
   */
  void handOver() {
    List<Object> msgs = new ArrayList<>(held);
    held.clear();
    HeldBytes holder = new HeldBytes();
    ctx.pipeline().replace(this, HeldBytes.NAME, holder);
    ChannelHandlerContext hctx = ctx.pipeline().context(holder);
    for (Object m : msgs) {
      if (m instanceof ChannelInputShutdownEvent) {
        holder.userEventTriggered(hctx, m);
      } else {
        holder.channelRead(hctx, m);
      }
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Silence.stop(ctx);
    for (Object m : held) {
      ReferenceCountUtil.release(m);
    }
    held.clear();
  }
}
