package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.util.function.LongConsumer;

/**
 * Copies bytes one way, from the channel it sits on to a peer, with backpressure: it reads one
 * batch, writes it to the peer and reads again only once that write succeeded (both channels have
 * {@code AUTO_READ} off). A batch is whatever one read delivered up to its read-complete (one
 * buffer from a socket, up to 16 DATA frames from an HTTP/2 stream), written with one flush. When
 * its channel closes it closes the peer after a flush. A pair of them, one on each channel, makes a
 * tunnel; {@link #start} installs the pair. The client and the relay both use it.
 */
public final class Splice extends ChannelInboundHandlerAdapter {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "splice";

  /**
   * The name a TLS handler has in a peer's pipeline, whatever handler it is: such a peer is not
   * half-closed.
   */
  public static final String TLS = "tls";

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Splice.class);

  private final Channel peer;
  private final LongConsumer counter;
  private boolean peerEnded;
  private boolean inputEnded;
  private ByteBuf batch; // read since the last read-complete, not yet written

  /** Buffers in one batch before a composite would copy them together; far more than one read. */
  private static final int MAX_BATCH = 1024;

  /**
   * One direction on its own: bytes read on the channel this is added to are counted with {@code
   * counter} and written to {@code peer}. Both channels must have {@code AUTO_READ} off.
   */
  public Splice(Channel peer, LongConsumer counter) {
    this.peer = peer;
    this.counter = counter;
  }

  /**
   * Joins {@code inbound} and {@code outbound}: bytes read on {@code inbound} are counted with
   * {@code up} and written to {@code outbound}, and the other way with {@code down}. Any bytes held
   * by a {@link HeldBytes} handler on either channel go first. Each side is installed on its own
   * channel's event loop.
   */
  public static void start(Channel inbound, Channel outbound, LongConsumer up, LongConsumer down) {
    install(outbound, inbound, down);
    install(inbound, outbound, up);
  }

  private static void install(Channel channel, Channel peer, LongConsumer counter) {
    if (!channel.eventLoop().inEventLoop()) {
      // An HTTP/2 stream lives on its connection's loop, which need not be its peer's. Installed
      // there, the splice's first read (which on a stream hands over queued frames at once) finds
      // the held bytes still in front of it.
      channel.eventLoop().execute(() -> install(channel, peer, counter));
      return;
    }
    Splice splice = new Splice(peer, counter);
    channel.pipeline().addLast(NAME, splice);
    if (channel.pipeline().get(HeldBytes.NAME) != null) {
      channel.pipeline().remove(HeldBytes.NAME);
    }
    // The side may have finished sending while the tunnel was being built.
    if (channel instanceof DuplexChannel d && d.isInputShutdown() && channel.isActive()) {
      splice.inputEnded(channel);
    }
  }

  /**
   * This side finished sending (a TCP half-close): finish the peer's output too, after what was
   * written, so that a request-then-shutdown client still gets its answer. An HTTP/2 stream peer
   * (the relay link) gets END_STREAM. A TLS peer cannot half-close, so it is closed after a flush.
   */
  private void inputEnded(Channel channel) {
    if (inputEnded) {
      return; // seen at install and again as the event a hold kept back
    }
    inputEnded = true;
    if (peer instanceof Http2StreamChannel) {
      // END_STREAM is the stream's FIN: the peer may still answer on it.
      peerEnded = true;
      peer.writeAndFlush(new DefaultHttp2DataFrame(true))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      if (channel instanceof DuplexChannel self && self.isOutputShutdown()) {
        channel.close();
      }
    } else if (peer instanceof DuplexChannel d
        && peer.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null
        && peer.pipeline().get(TLS) == null) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(
              f -> {
                if (!f.isSuccess() || d.isInputShutdown()) {
                  // Failed, or both ways have ended: a close sends the FIN, without the
                  // shutdown call and the exception Netty makes to fail writes behind it.
                  peer.close();
                  return;
                }
                d.shutdownOutput()
                    .addListener(
                        x -> {
                          if (!x.isSuccess() || d.isInputShutdown()) {
                            peer.close();
                          }
                        });
              });
      if (channel instanceof DuplexChannel self && self.isOutputShutdown()) {
        channel.close();
      }
    } else {
      Channels.closeOnFlush(peer);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    writeBatch(ctx); // what came before the end goes before it
    if (evt instanceof ChannelInputShutdownEvent) {
      inputEnded(ctx.channel());
    } else if (evt instanceof Http2ResetFrame) {
      reset(peer);
    }
    ctx.fireUserEventTriggered(evt);
  }

  /**
   * The other side reset its stream: reset the peer too, a TCP peer with an RST (SO_LINGER 0), a
   * stream peer with RST_STREAM (closing a stream that has not ended sends one).
   */
  private static void reset(Channel peer) {
    if (peer instanceof DuplexChannel && peer.isActive()) {
      peer.config().setOption(ChannelOption.SO_LINGER, 0);
    }
    peer.close();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel() instanceof DuplexChannel
        && ctx.pipeline().get(io.netty.handler.ssl.SslHandler.class) == null) {
      // A FIN from here on is a ChannelInputShutdownEvent, passed on as the peer's half-close.
      ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    } else if (ctx.channel() instanceof Http2StreamChannel) {
      ctx.channel().attr(StreamBytes.HALF_CLOSURE).set(true);
    }
    if (ctx.channel().isActive()) {
      ctx.read();
    } else {
      Channels.closeOnFlush(peer);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    writeBatch(ctx);
    if (!peerEnded) {
      // A stream that got no END_STREAM from here is reset by its close: this side is gone.
      Channels.closeOnFlush(peer);
    }
    // Otherwise the stream ends when its other side ends it; more bytes on it find this side
    // closed and reset it.
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf b)) {
      // Only bytes cross a tunnel (a codec's last empty HTTP content may trail behind it).
      io.netty.util.ReferenceCountUtil.release(msg);
      ctx.channel().read();
      return;
    }
    counter.accept(b.readableBytes());
    if (!peer.isActive()) {
      io.netty.util.ReferenceCountUtil.release(msg);
      ctx.close();
      return;
    }
    if (batch == null) {
      batch = b;
    } else {
      if (!(batch instanceof CompositeByteBuf)) {
        batch = ctx.alloc().compositeBuffer(MAX_BATCH).addComponent(true, batch);
      }
      ((CompositeByteBuf) batch).addComponent(true, b);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    writeBatch(ctx);
    ctx.fireChannelReadComplete();
  }

  /** Writes what was read since the last read-complete with one flush; reads on once it is out. */
  private void writeBatch(ChannelHandlerContext ctx) {
    ByteBuf b = batch;
    if (b == null) {
      return;
    }
    batch = null;
    peer.writeAndFlush(b)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    ctx.channel().read();
                  } else {
                    LOG.debug("write to {} failed: {}", f.channel(), f.cause().toString());
                    f.channel().close();
                    ctx.channel().close();
                  }
                });
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (batch != null) {
      batch.release();
      batch = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // A reset or a TLS error ends the tunnel; the connection's log line records the bytes moved.
    LOG.debug("tunnel side {} failed: {}", ctx.channel(), cause.toString());
    ctx.close();
  }
}
