package io.sidestep.core.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

/** Small channel helpers the client and the relay share. */
public final class Channels {
  private Channels() {}

  /** Closes {@code channel} once everything written to it so far has been flushed. */
  public static void closeOnFlush(Channel channel) {
    if (channel != null && channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    } else if (channel != null) {
      channel.close();
    }
  }
}
