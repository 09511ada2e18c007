package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class Http2LinkTest {

  /** What a relay connection sends first, read at the far end of an in-process connection. */
  private static ByteBuf opening(int bytes) throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    ByteBuf got = Unpooled.buffer();
    CompletableFuture<ByteBuf> enough = new CompletableFuture<>();
    try {
      LocalAddress address = new LocalAddress("http2-link-test");
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(LocalServerChannel.class)
              .childHandler(
                  new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                      got.writeBytes((ByteBuf) msg);
                      ((ByteBuf) msg).release();
                      if (got.readableBytes() >= bytes) {
                        enough.complete(got);
                      }
                    }
                  })
              .bind(address)
              .sync()
              .channel();
      Channel client =
          new Bootstrap()
              .group(group)
              .channel(LocalChannel.class)
              .handler(
                  new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                      // As on a relay connection: in place before the connection is up.
                      Http2FrameCodec codec = Http2Link.codec(false);
                      ch.pipeline().addLast(codec, Http2Link.connectionWindow(codec));
                    }
                  })
              .connect(address)
              .sync()
              .channel();
      ByteBuf out = enough.get(10, TimeUnit.SECONDS).copy();
      client.close().sync();
      server.close().sync();
      return out;
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
      got.release();
    }
  }

  @Test
  void theClientOpensAsChromeDoes() throws Exception {
    int expected = 24 + (9 + 4 * 6) + (9 + 4);
    ByteBuf out = opening(expected);
    try {
      ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
      assertThat(out.readSlice(preface.readableBytes())).isEqualTo(preface);
      preface.release();

      int length = out.readUnsignedMedium();
      assertThat(out.readByte()).as("a SETTINGS frame").isEqualTo((byte) 4);
      out.skipBytes(5); // flags, stream 0
      List<String> settings = new ArrayList<>();
      for (int i = 0; i < length / 6; i++) {
        settings.add(out.readUnsignedShort() + "=" + out.readUnsignedInt());
      }
      assertThat(settings)
          .as("Chrome's SETTINGS, in Chrome's order")
          .containsExactly("1=65536", "2=0", "4=6291456", "6=262144");

      assertThat(out.readUnsignedMedium()).isEqualTo(4);
      assertThat(out.readByte()).as("then a WINDOW_UPDATE").isEqualTo((byte) 8);
      out.skipBytes(5);
      assertThat(out.readUnsignedInt())
          .as("the connection's window to 15 MiB, as Chrome opens it")
          .isEqualTo(15L * 1024 * 1024 - 65535);
      assertThat(out.readableBytes()).as("nothing else before the first request").isZero();
    } finally {
      out.release();
    }
  }
}
