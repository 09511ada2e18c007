package io.sidestep.core.netty;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;

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

  /**
   * Moves {@code channel} (registered, and called on its event loop) to {@code loop}: it is
   * deregistered from its own and registered with {@code loop}, keeping its pipeline and its
   * socket. Completes on {@code loop} once it is there; fails, leaving the channel closed, if it
   * cannot be moved. Tasks already scheduled for the channel still run on its former loop, so move
   * a channel only while nothing is scheduled for it.
   */
  public static Future<Void> moveTo(Channel channel, EventLoop loop) {
    Promise<Void> moved = loop.newPromise();
    channel
        .deregister()
        .addListener(
            d -> {
              if (!d.isSuccess()) {
                channel.close();
                moved.tryFailure(d.cause());
                return;
              }
              loop.register(channel)
                  .addListener(
                      r -> {
                        if (r.isSuccess()) {
                          moved.trySuccess(null);
                        } else {
                          channel.unsafe().closeForcibly();
                          moved.tryFailure(r.cause());
                        }
                      });
            });
    return moved;
  }
}
