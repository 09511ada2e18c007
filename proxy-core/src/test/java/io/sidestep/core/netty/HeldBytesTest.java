package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldBytesTest {

  @Test
  void theEndOfInputWaitsBehindTheHeldBytes() {
    List<String> seen = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline().addLast(HeldBytes.NAME, new HeldBytes());
    ch.pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                ByteBuf b = (ByteBuf) msg;
                seen.add(b.toString(StandardCharsets.US_ASCII));
                b.release();
              }

              @Override
              public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                seen.add(evt == ChannelInputShutdownEvent.INSTANCE ? "end" : evt.toString());
              }
            });
    ch.writeInbound(Unpooled.copiedBuffer("head", StandardCharsets.US_ASCII));
    ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    assertThat(seen).as("held while the hold is there").isEmpty();

    HeldBytes.passOn(ch.pipeline());

    assertThat(seen).containsExactly("head", "end");
    ch.finishAndReleaseAll();
  }
}
