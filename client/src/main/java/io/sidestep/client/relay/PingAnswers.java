package io.sidestep.client.relay;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2PingFrame;
import java.util.function.LongConsumer;

/**
 * Reads the relay's answers to this side's HTTP/2 PINGs ({@link LinkKeeper} puts the send time in
 * each one's payload) and tells {@code roundTrip} how long each took, in nanoseconds. It sits above
 * the HTTP/2 codec, where the connection's own frames arrive; other frames pass.
 */
final class PingAnswers extends ChannelInboundHandlerAdapter {

  private final LongConsumer roundTrip;

  PingAnswers(LongConsumer roundTrip) {
    this.roundTrip = roundTrip;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2PingFrame ping && ping.ack()) {
      long took = System.nanoTime() - ping.content();
      if (took >= 0) {
        roundTrip.accept(took);
      }
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
