package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.netty.HeldBytes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Holds the first plain-HTTP response on a channel, without passing it on, until it is complete (as
 * {@link ResponseBytes} frames it, or the close), {@link ResponseBytes#MAX_BYTES} have come,
 * nothing more came for {@value #IDLE_MS} ms, or the time is up; then reports once. The held bytes
 * go to whoever the caller chooses ({@link #deliverTo}) or are dropped ({@link #discard}).
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
  private final ResponseBytes response = new ResponseBytes();
  private ChannelHandlerContext ctx;
  private ScheduledFuture<?> deadline;
  private StreamFailure failure;
  private boolean reported;
  private boolean closed;
  private boolean idle; // past the first byte: silence is now IDLE_MS between reads
  private long firstByteAt;

  ResponseCapture(Duration firstRead, Duration total, Listener listener) {
    this.firstRead = firstRead;
    this.total = total;
    this.listener = listener;
  }

  long bytesRead() {
    return response.read();
  }

  /** When the first byte came ({@link System#nanoTime}), or 0 before it. */
  long firstByteAt() {
    return firstByteAt;
  }

  /** How the connection failed before the response was whole, or null. */
  StreamFailure failure() {
    return failure;
  }

  boolean closed() {
    return closed;
  }

  /** Whether nothing at all is held, not even bytes read after the report. */
  boolean holdsNothing() {
    return held.isEmpty();
  }

  /** Whether this capture has reported (its answer is whole, or will not be). */
  boolean reported() {
    return reported;
  }

  Optional<ResponseSummary> summary() {
    return response.summary();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    Silence.watch(ctx, firstRead);
    deadline = ctx.executor().schedule(this::report, total.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (reported) {
      // A read asked for before the report: keep it for whoever is chosen.
      held.add(msg);
      return;
    }
    boolean whole = false;
    if (msg instanceof ByteBuf b) {
      if (firstByteAt == 0 && b.isReadable()) {
        firstByteAt = System.nanoTime();
      }
      whole = response.add(b);
      held.add(msg);
    } else {
      ReferenceCountUtil.release(msg);
    }
    if (whole) {
      report();
      return;
    }
    if (!idle) {
      idle = true;
      Silence.watch(ctx, Duration.ofMillis(IDLE_MS));
    }
    ctx.read();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // The far end finished (a FIN, an END_STREAM): the response is whole. The end is kept
      // behind its bytes for whoever gets them.
      held.add(evt);
      if (!reported) {
        if (response.read() == 0) {
          failure = StreamFailure.EOF;
        }
        report();
      }
      return;
    }
    if (!Silence.is(evt)) {
      ctx.fireUserEventTriggered(evt);
      return;
    }
    if (response.read() == 0) {
      failure = StreamFailure.SILENCE;
    }
    report();
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
      if (response.read() == 0) {
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
    Silence.stop(ctx);
    deadline.cancel(false);
    listener.done(this);
  }

  /**
   * Writes what was held to {@code user} and puts a {@link HeldBytes} in this handler's place for
   * whatever comes next, so that a splice carries on from here.
   */
  void deliverTo(Channel user) {
    boolean ended = false;
    for (Object m : held) {
      if (m instanceof ChannelInputShutdownEvent) {
        ended = true;
      } else {
        user.write(m);
      }
    }
    held.clear();
    user.flush();
    if (ctx.pipeline().context(this) != null) {
      HeldBytes holder = new HeldBytes();
      ctx.pipeline().replace(this, HeldBytes.NAME, holder);
      if (ended) {
        holder.userEventTriggered(
            ctx.pipeline().context(holder), ChannelInputShutdownEvent.INSTANCE);
      }
    }
  }

  /**
   * Replaces the held response with {@code rewrite}'s version of it, when the response is whole and
   * all of it is held; otherwise, or when {@code rewrite} declines, leaves it as it came.
   */
  void rewrite(Function<byte[], Optional<byte[]>> rewrite) {
    if (!response.whole()
        || response.read() > ResponseBytes.MAX_BYTES
        || !held.stream()
            .allMatch(m -> m instanceof ByteBuf || m instanceof ChannelInputShutdownEvent)) {
      return;
    }
    Optional<byte[]> out = rewrite.apply(response.bytes());
    if (out.isPresent()) {
      boolean ended = held.contains(ChannelInputShutdownEvent.INSTANCE);
      held.forEach(ReferenceCountUtil::release);
      held.clear();
      held.add(Unpooled.wrappedBuffer(out.get()));
      if (ended) {
        held.add(ChannelInputShutdownEvent.INSTANCE);
      }
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
    Silence.stop(ctx);
    if (deadline != null) {
      deadline.cancel(false);
    }
    held.forEach(ReferenceCountUtil::release);
    held.clear();
    response.close();
  }
}
