package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.sidestep.core.detect.AttemptJudge;

/**
 * Watches a spliced direct connection until {@value AttemptJudge#COUNTED_BYTES} bytes have come
 * back: a reset within them still counts as interference (it cannot be replayed any more, since the
 * user has bytes already, but it is learned). An orderly close is not a failure here: short
 * responses end that way. Passes everything on; removes itself once past the counted bytes.
 */
final class StreamWatch extends ChannelInboundHandlerAdapter {

  static final String NAME = "detect-stream";

  interface Listener {
    /** A reset after {@code bytesRead} bytes, within the counted window. */
    void reset(long bytesRead, String detail);

    /** More than the counted bytes came back: the direct path works. */
    void working(long bytesRead);
  }

  private final Listener listener;
  private long bytes;
  private boolean done;

  StreamWatch(long alreadyRead, Listener listener) {
    this.bytes = alreadyRead;
    this.listener = listener;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      bytes += b.readableBytes();
    }
    if (!done && bytes > AttemptJudge.COUNTED_BYTES) {
      done = true;
      listener.working(bytes);
      ctx.pipeline().remove(this);
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!done) {
      done = true;
      listener.reset(bytes, cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }
    ctx.fireExceptionCaught(cause);
  }
}
