package io.sidestep.client.dial;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongConsumer;

/**
 * Copies bytes one way, from the channel it sits on to a peer, with backpressure: it reads one
 * batch, writes it to the peer and reads again only once that write succeeded (both channels have
 * {@code AUTO_READ} off). When its channel closes it closes the peer after a flush. A pair of them,
 * one on each channel, makes a tunnel; {@link #start} installs the pair.
 */
public final class Splice extends ChannelInboundHandlerAdapter {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "splice";

  private final Channel peer;
  private final LongConsumer counter;

  private Splice(Channel peer, LongConsumer counter) {
    this.peer = peer;
    this.counter = counter;
  }

  /**
   * Joins {@code inbound} and {@code outbound}: bytes read on {@code inbound} are counted with
   * {@code up} and written to {@code outbound}, and the other way with {@code down}. Any bytes held
   * by a {@link HeldBytes} handler on either channel go first. Call on the channels' event loop.
   */
  public static void start(Channel inbound, Channel outbound, LongConsumer up, LongConsumer down) {
    install(outbound, inbound, down);
    install(inbound, outbound, up);
  }

  private static void install(Channel channel, Channel peer, LongConsumer counter) {
    channel.pipeline().addLast(NAME, new Splice(peer, counter));
    if (channel.pipeline().get(HeldBytes.NAME) != null) {
      channel.pipeline().remove(HeldBytes.NAME);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      ctx.read();
    } else {
      Channels.closeOnFlush(peer);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Channels.closeOnFlush(peer);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf b) {
      counter.accept(b.readableBytes());
    } else if (msg instanceof ByteBufHolder h) {
      counter.accept(h.content().readableBytes());
    }
    if (!peer.isActive()) {
      io.netty.util.ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    peer.writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    ctx.channel().read();
                  } else {
                    f.channel().close();
                    ctx.channel().close();
                  }
                });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or a TLS error ends the tunnel; the connection's log line records the bytes moved.
    ctx.close();
  }
}
