package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies bytes from its channel to a peer channel, one direction of a tunnel. Both channels have
 * auto-read off: the next read is asked for only once the previous write to the peer succeeded, so
 * a slow reader on one side slows the writer on the other instead of filling memory. When its
 * channel closes, the peer is closed once its pending writes are flushed.
 */
public final class TunnelHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(TunnelHandler.class);

  private final Channel peer;
  private final ConnectionRecord record;
  private final boolean upstream;

  /**
   * @param upstream true on the client side (bytes counted as up), false on the origin side
   */
  public TunnelHandler(Channel peer, ConnectionRecord record, boolean upstream) {
    this.peer = peer;
    this.record = record;
    this.upstream = upstream;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg); // leftovers of the HTTP phase, such as an empty last content
      ctx.channel().read();
      return;
    }
    if (upstream) {
      record.up(buf.readableBytes());
    } else {
      record.down(buf.readableBytes());
    }
    peer.writeAndFlush(buf)
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
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("tunnel {} closed: {}", upstream ? "client side" : "origin side", cause.toString());
    closeOnFlush(ctx.channel());
  }

  /** Closes {@code ch} after everything written to it so far has been flushed. */
  public static void closeOnFlush(Channel ch) {
    if (ch.isActive()) {
      ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else {
      ch.close();
    }
  }
}
