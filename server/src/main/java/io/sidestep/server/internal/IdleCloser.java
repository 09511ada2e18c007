package io.sidestep.server.internal;

import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;

/** Closes a connection when the {@code IdleStateHandler} in front of it reports it idle. */
@Sharable
public final class IdleCloser extends ChannelInboundHandlerAdapter {
  public static final IdleCloser INSTANCE = new IdleCloser();

  private IdleCloser() {}

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
    } else {
      ctx.fireUserEventTriggered(evt);
    }
  }
}
