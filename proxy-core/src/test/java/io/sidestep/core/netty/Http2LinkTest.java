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
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
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

  /** Every byte {@code ch} has written so far. */
  private static ByteBuf written(EmbeddedChannel ch) {
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      all.writeBytes(b);
      b.release();
    }
    return all;
  }

  /**
   * The frames in {@code in}, as "type:stream:length" and, for SETTINGS and WINDOW_UPDATE, values.
   */
  private static List<String> frames(ByteBuf in) {
    List<String> out = new ArrayList<>();
    while (in.readableBytes() >= 9) {
      int length = in.readUnsignedMedium();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt();
      ByteBuf payload = in.readSlice(length);
      StringBuilder f = new StringBuilder(type + ":" + stream + ":" + length);
      if (type == 4 && (flags & 1) == 0) {
        while (payload.isReadable()) {
          f.append(' ')
              .append(payload.readUnsignedShort())
              .append('=')
              .append(payload.readUnsignedInt());
        }
      } else if (type == 8) {
        f.append(" +").append(payload.readUnsignedInt());
      }
      out.add(f.toString());
    }
    return out;
  }

  private static ByteBuf settingsFrame(int... idsAndValues) {
    ByteBuf b = Unpooled.buffer();
    b.writeMedium(idsAndValues.length * 3).writeByte(4).writeByte(0).writeInt(0);
    for (int i = 0; i < idsAndValues.length; i += 2) {
      b.writeShort(idsAndValues[i]).writeInt(idsAndValues[i + 1]);
    }
    return b;
  }

  @Test
  void theRelayOpensAsNginxDoes() {
    // As on a relay: the codec is added to a connection that is up, once TLS chose h2.
    EmbeddedChannel ch = new EmbeddedChannel();
    Http2FrameCodec codec = Http2Link.codec(true);
    ch.pipeline().addLast(Http2Link.unannouncedHeaderList());
    ch.pipeline().addLast(codec);
    ch.pipeline().addLast(Http2Link.connectionWindow(codec));
    ByteBuf out = written(ch);
    try {
      assertThat(frames(out))
          .as(
              "nginx 1.22's SETTINGS in its order (without the header list size the codec reads"
                  + " by), then its WINDOW_UPDATE, and nothing else")
          .containsExactly("4:0:18 3=128 4=65536 5=16777215", "8:0:4 +2147418112");
    } finally {
      out.release();
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void aUsersConnectionGetsTheLinksSettingsOnce() {
    EmbeddedChannel ch = new EmbeddedChannel();
    Http2FrameCodec codec = Http2Link.codec(true);
    ch.pipeline().addLast(codec);
    written(ch).release();
    assertThat(Http2Link.isAdmitted(ch)).isFalse();

    Http2Link.admitted(ch);
    Http2Link.admitted(ch);
    ByteBuf out = written(ch);
    try {
      assertThat(Http2Link.isAdmitted(ch)).isTrue();
      assertThat(frames(out))
          .as("one SETTINGS frame: the link's stream count, stream window and header list size")
          .containsExactly("4:0:18 3=100000 4=6291456 6=16384");
    } finally {
      out.release();
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void theClientWrites16KiBFramesWhateverTheRelayAllows() {
    Http2FrameCodec codec = Http2Link.codec(false);
    EmbeddedChannel ch =
        new EmbeddedChannel(
            codec,
            Http2Link.connectionWindow(codec),
            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
    written(ch).release();
    // The relay's SETTINGS, which allow frames of up to 16 MiB.
    ch.writeInbound(settingsFrame(3, 128, 4, 65536, 5, 16777215));
    written(ch).release(); // the SETTINGS ACK

    Http2StreamChannel stream =
        new Http2StreamChannelBootstrap(ch)
            .handler(new ChannelInboundHandlerAdapter())
            .open()
            .syncUninterruptibly()
            .getNow();
    stream.write(
        new DefaultHttp2HeadersFrame(
            new DefaultHttp2Headers().method("CONNECT").authority("example.com:443"), false));
    stream.writeAndFlush(
        new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(new byte[40_000]), false));
    ch.runPendingTasks();
    ByteBuf out = written(ch);
    try {
      List<String> data = frames(out).stream().filter(f -> f.startsWith("0:")).toList();
      assertThat(data).containsExactly("0:3:16384", "0:3:16384", "0:3:7232");
    } finally {
      out.release();
      ch.finishAndReleaseAll();
    }
  }

  /** A relay's codec with the preface and SETTINGS read, and what reaches the handler after it. */
  private static EmbeddedChannel relayReading(List<Object> read) {
    EmbeddedChannel ch =
        new EmbeddedChannel(
            Http2Link.codec(true),
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                read.add(msg);
              }
            });
    ByteBuf open = Unpooled.buffer();
    open.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    open.writeMedium(0).writeByte(4).writeByte(0).writeInt(0);
    ch.writeInbound(open);
    written(ch).release();
    read.forEach(io.netty.util.ReferenceCountUtil::release); // the peer's SETTINGS
    read.clear();
    return ch;
  }

  private static ByteBuf headersFrame(int stream, boolean end, String... namesAndValues)
      throws Exception {
    DefaultHttp2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      h.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    ByteBuf block = Unpooled.buffer();
    new io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder().encodeHeaders(stream, h, block);
    ByteBuf b = Unpooled.buffer();
    b.writeMedium(block.readableBytes()).writeByte(1).writeByte(end ? 0x5 : 0x4).writeInt(stream);
    b.writeBytes(block);
    block.release();
    return b;
  }

  @Test
  void aRequestThatEndsThoughItDeclaresABodyReachesTheRelayAndIsNoted() throws Exception {
    List<Object> read = new ArrayList<>();
    EmbeddedChannel ch = relayReading(read);
    try {
      String[] get = {":method", "GET", ":scheme", "https", ":authority", "a", ":path", "/"};
      String[] declared = java.util.Arrays.copyOf(get, get.length + 2);
      declared[get.length] = "content-length";
      declared[get.length + 1] = "5";
      String[] none = declared.clone();
      none[get.length + 1] = "0";
      ch.writeInbound(headersFrame(1, true, declared));
      ch.writeInbound(headersFrame(3, true, none));
      ch.writeInbound(headersFrame(5, false, declared));

      ByteBuf out = written(ch);
      assertThat(frames(out)).as("no stream was reset (type 3)").noneMatch(f -> f.startsWith("3:"));
      out.release();
      assertThat(read).hasSize(3);
      List<String> lengths = new ArrayList<>();
      for (Object o : read) {
        var frame = (io.netty.handler.codec.http2.Http2HeadersFrame) o;
        CharSequence length = frame.headers().get("content-length");
        lengths.add(frame.stream().id() + "=" + length);
      }
      // Taken out only where the request ended and declared a body; kept for 0 and for a body
      // still to come, which Netty checks against the DATA that follows.
      assertThat(lengths).containsExactly("1=null", "3=0", "5=5");
      assertThat(Http2Link.declaredBodyButEnded(ch, 1)).isTrue();
      assertThat(Http2Link.declaredBodyButEnded(ch, 1)).as("asked once").isFalse();
      assertThat(Http2Link.declaredBodyButEnded(ch, 3)).isFalse();
      assertThat(Http2Link.declaredBodyButEnded(ch, 5)).isFalse();
    } finally {
      read.forEach(io.netty.util.ReferenceCountUtil::release);
      ch.finishAndReleaseAll();
    }
  }
}
