package io.sidestep.client.dial;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.netty.HeldBytes;
import java.util.ArrayDeque;

/**
 * A relay tunnel's "fast open": the door has already told the user that the tunnel is up, and the
 * user's first bytes go to the relay right behind its CONNECT instead of a round trip later, when
 * the relay's answer has come. This is what shadowsocks, trojan and naiveproxy do; it saves one
 * round trip to the relay on every new tunnel.
 *
 * <p>Sits on the user's connection from the door's answer until the relay's. Everything it reads is
 * kept (up to {@link #LIMIT} bytes; then it stops reading until the answer) and written to the
 * stream of the current attempt, given by {@link #attach}, which the relay client calls right after
 * it wrote the CONNECT. A relay that fails before answering is replaced by the next one, and the
 * next stream gets every kept byte again, so failover loses nothing. When the answer comes, {@link
 * #finish} gives back what the chosen tunnel has not been sent yet (everything, for a relay client
 * that never attached a stream) and leaves a {@link HeldBytes} for the splice.
 *
 * <p>The end of the user's input is not passed on here: the splice finds it on the channel when it
 * starts. All methods run on the user connection's event loop; {@link #attach} may be called from
 * any thread.
 */
public final class EarlyData extends ChannelInboundHandlerAdapter {

  /** The name this handler has in the user connection's pipeline. */
  public static final String NAME = "early-data";

  /** At most this many bytes go out before the relay has answered. */
  public static final int LIMIT = 64 * 1024;

  private final Channel inbound;
  private final ArrayDeque<ByteBuf> kept = new ArrayDeque<>();
  private int keptBytes;
  private Channel stream; // the current attempt's stream: has had every kept byte
  private boolean finished;

  private EarlyData(Channel inbound) {
    this.inbound = inbound;
  }

  /** For the user's connection {@code inbound}; reads nothing before {@link #start}. */
  static EarlyData of(Channel inbound) {
    return new EarlyData(inbound);
  }

  /**
   * Starts keeping the user's bytes (the door has answered: {@code AUTO_READ} off, raw bytes only).
   * Bytes a {@link HeldBytes} was keeping come first. Does nothing once {@link #finish}ed.
   */
  void start() {
    if (finished) {
      return;
    }
    if (inbound.pipeline().get(HeldBytes.NAME) != null) {
      inbound.pipeline().addAfter(HeldBytes.NAME, NAME, this);
      inbound.pipeline().remove(HeldBytes.NAME);
    } else {
      inbound.pipeline().addLast(NAME, this);
    }
    inbound.read();
  }

  /**
   * The relay client wrote its CONNECT on {@code stream}: the bytes kept so far go right behind it,
   * and later ones as they come, each time flushing what the stream holds (the CONNECT, too, if it
   * is still waiting for them). A later call (the next relay's stream) replaces it.
   */
  public void attach(Channel stream) {
    if (!inbound.eventLoop().inEventLoop()) {
      inbound.eventLoop().execute(() -> attach(stream));
      return;
    }
    if (finished || !stream.isActive()) {
      return;
    }
    this.stream = stream;
    if (kept.isEmpty()) {
      return; // the first bytes, when they come, take the CONNECT with them (channelReadComplete)
    }
    for (ByteBuf b : kept) {
      stream.write(b.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
    stream.flush();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf b) || finished) {
      ReferenceCountUtil.release(msg);
      return;
    }
    kept.add(b);
    keptBytes += b.readableBytes();
    if (stream != null) {
      stream.write(b.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (stream != null) {
      stream.flush();
    }
    if (keptBytes < LIMIT && !finished) {
      ctx.read();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (!(evt instanceof ChannelInputShutdownEvent)) {
      ctx.fireUserEventTriggered(evt); // the input's end: the splice finds it on the channel
    }
  }

  /**
   * The relay answered on {@code tunnel}: stops, leaving a {@link HeldBytes} in its place for bytes
   * of a read still under way. Returns the bytes {@code tunnel} has not been sent (to write first;
   * the caller owns them), or null when it has had them all. {@code sent} is told how many bytes
   * went out early on it.
   */
  ByteBuf finish(Channel tunnel, java.util.function.LongConsumer sent) {
    finished = true;
    ByteBuf unsent = null;
    if (tunnel == stream) {
      sent.accept(keptBytes);
    } else if (!kept.isEmpty()) {
      CompositeByteBuf all = inbound.alloc().compositeBuffer(Math.max(2, kept.size()));
      for (ByteBuf b : kept) {
        all.addComponent(true, b.retain());
      }
      unsent = all;
    }
    if (inbound.pipeline().context(this) != null) {
      inbound.pipeline().replace(this, HeldBytes.NAME, new HeldBytes());
    }
    release();
    return unsent;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    finished = true;
    release();
  }

  private void release() {
    ByteBuf b;
    while ((b = kept.poll()) != null) {
      b.release();
    }
    keptBytes = 0;
  }
}
