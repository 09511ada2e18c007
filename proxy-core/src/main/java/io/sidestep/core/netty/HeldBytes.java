package io.sidestep.core.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Keeps bytes that arrive before anyone is ready for them (a client's data right behind its SOCKS5
 * CONNECT, a server's data right behind the relay's 200) and passes them on, in order, when it is
 * removed from the pipeline. So whoever takes over adds itself after this handler and then removes
 * it.
 */
public final class HeldBytes extends ChannelInboundHandlerAdapter {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "held-bytes";

  private final ArrayDeque<Object> held = new ArrayDeque<>();

  /**
   * Removes the hold from {@code pipeline}, if it has one, so that the held bytes go on to the
   * handlers added after it.
   */
  public static void passOn(ChannelPipeline pipeline) {
    if (pipeline.get(NAME) != null) {
      pipeline.remove(NAME);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof io.netty.buffer.ByteBuf) {
      held.add(msg);
    } else {
      // A codec's leftovers that are not bytes (an empty last HTTP content): nothing to pass on.
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * The end of the input (a FIN, an HTTP/2 END_STREAM) waits behind the bytes held before it: an
   * HTTP/2 stream may hand both over within one read.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      held.add(evt);
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Swallowed: whoever takes over decides when to read next.
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    Object msg;
    boolean any = false;
    while ((msg = held.poll()) != null) {
      if (msg instanceof ChannelInputShutdownEvent) {
        if (any) {
          ctx.fireChannelReadComplete();
          any = false;
        }
        ctx.fireUserEventTriggered(msg);
      } else if (ctx.channel().isRegistered()) {
        ctx.fireChannelRead(msg);
        any = true;
      } else {
        ReferenceCountUtil.release(msg);
      }
    }
    if (any) {
      ctx.fireChannelReadComplete();
    }
  }
}
