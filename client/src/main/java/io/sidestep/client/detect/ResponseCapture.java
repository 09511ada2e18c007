package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.netty.HeldBytes;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Holds the first plain-HTTP response on a channel, without passing it on, until it is complete
 * (Content-Length, the last chunk, or the close), {@link HttpFetch#MAX_BYTES} have come, nothing
 * more came for {@value #IDLE_MS} ms, or the time is up; then reports once. The held bytes go to
 * whoever the caller chooses ({@link #deliverTo}) or are dropped ({@link #discard}).
 */
final class ResponseCapture extends ChannelInboundHandlerAdapter {

  static final String NAME = "detect-response-capture";
  static final long IDLE_MS = 500;

  interface Listener {
    void done(ResponseCapture capture);
  }

  private final Duration firstRead;
  private final Duration total;
  private final Listener listener;
  private final List<Object> held = new ArrayList<>();
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> timer;
  private ScheduledFuture<?> deadline;
  private long read;
  private StreamFailure failure;
  private boolean reported;
  private boolean closed;

  ResponseCapture(Duration firstRead, Duration total, Listener listener) {
    this.firstRead = firstRead;
    this.total = total;
    this.listener = listener;
  }

  long bytesRead() {
    return read;
  }

  /** How the connection failed before the response was whole, or null. */
  StreamFailure failure() {
    return failure;
  }

  boolean closed() {
    return closed;
  }

  /** Whether this capture has reported (its answer is whole, or will not be). */
  boolean reported() {
    return reported;
  }

  Optional<ResponseSummary> summary() {
    byte[] b = copy.toByteArray();
    return ResponseSummary.parse(b, 0, b.length);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    timer =
        ctx.executor()
            .schedule(
                () -> {
                  if (read == 0) {
                    failure = StreamFailure.SILENCE;
                  }
                  report();
                },
                firstRead.toMillis(),
                TimeUnit.MILLISECONDS);
    deadline = ctx.executor().schedule(this::report, total.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (reported) {
      // A read asked for before the report: keep it for whoever is chosen.
      held.add(msg);
      return;
    }
    if (msg instanceof ByteBuf b) {
      read += b.readableBytes();
      int room = HttpFetch.MAX_BYTES - copy.size();
      if (room > 0) {
        byte[] part = new byte[Math.min(room, b.readableBytes())];
        b.getBytes(b.readerIndex(), part);
        copy.writeBytes(part);
      }
      held.add(msg);
    } else {
      ReferenceCountUtil.release(msg);
    }
    if (copy.size() >= HttpFetch.MAX_BYTES || HttpFetchCompletion.complete(copy.toByteArray())) {
      report();
      return;
    }
    timer.cancel(false);
    timer = ctx.executor().schedule(this::report, IDLE_MS, TimeUnit.MILLISECONDS);
    ctx.read();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Swallowed: reads are driven here until the report.
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!reported) {
      failure = StreamFailure.RESET;
      report();
    } else {
      ctx.fireExceptionCaught(cause);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    if (!reported) {
      if (read == 0) {
        failure = StreamFailure.EOF;
      }
      report();
    }
    ctx.fireChannelInactive();
  }

  private void report() {
    if (reported) {
      return;
    }
    reported = true;
    timer.cancel(false);
    deadline.cancel(false);
    listener.done(this);
  }

  /**
   * Writes what was held to {@code user} and puts a {@link HeldBytes} in this handler's place for
   * whatever comes next, so that a splice carries on from here.
   */
  void deliverTo(Channel user) {
    for (Object m : held) {
      user.write(m);
    }
    held.clear();
    user.flush();
    if (ctx.pipeline().context(this) != null) {
      ctx.pipeline().replace(this, HeldBytes.NAME, new HeldBytes());
    }
  }

  /** Drops what was held and closes the channel. */
  void discard() {
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    ctx.channel().close();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false);
    }
    if (deadline != null) {
      deadline.cancel(false);
    }
    held.forEach(ReferenceCountUtil::release);
    held.clear();
  }
}
