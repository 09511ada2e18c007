package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.sidestep.core.netty.Http2Link;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StrangerFrameLimitTest {

  private static ByteBuf preface() {
    return Http2CodecUtil.connectionPrefaceBuf();
  }

  private static ByteBuf frameHead(int length, int type, int stream) {
    return Unpooled.buffer().writeMedium(length).writeByte(type).writeByte(0).writeInt(stream);
  }

  /** Every byte that came out of {@code ch}'s far side. */
  private static int passed(EmbeddedChannel ch) {
    int n = 0;
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      n += b.readableBytes();
      b.release();
    }
    return n;
  }

  @Test
  void aStrangersFrameOverItsWindowClosesTheConnection() {
    EmbeddedChannel ch = new EmbeddedChannel(new StrangerFrameLimit());
    ch.writeInbound(preface());
    ch.writeInbound(frameHead(0, 4, 0)); // SETTINGS
    // A DATA frame head that declares 16 MiB - 1, cut between two reads.
    ByteBuf big = frameHead(Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND, 0, 1);
    ch.writeInbound(big.readRetainedSlice(4));
    assertThat(ch.isOpen()).as("half a frame head decides nothing").isTrue();
    ch.writeInbound(big);
    assertThat(ch.isOpen()).isFalse();
    assertThat(passed(ch))
        .as("the preface, the SETTINGS head and the first 4 bytes")
        .isEqualTo(24 + 9 + 4);
    ch.finishAndReleaseAll();
  }

  @Test
  void framesUpToTheLimitPassUnchanged() {
    EmbeddedChannel ch = new EmbeddedChannel(new StrangerFrameLimit());
    ch.writeInbound(preface());
    ch.writeInbound(frameHead(StrangerFrameLimit.MAX, 0, 1));
    // Its payload, in reads that end inside it and one that carries the next frame's head too.
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[40_000]));
    ch.writeInbound(
        Unpooled.wrappedBuffer(
            Unpooled.wrappedBuffer(new byte[StrangerFrameLimit.MAX - 40_000]),
            frameHead(8, 6, 0),
            Unpooled.wrappedBuffer(new byte[8])));
    assertThat(ch.isOpen()).isTrue();
    assertThat(passed(ch)).isEqualTo(24 + 9 + StrangerFrameLimit.MAX + 9 + 8);
    ch.finishAndReleaseAll();
  }

  @Test
  void aUsersConnectionMaySendWhatTheSettingsAllow() {
    EmbeddedChannel ch = new EmbeddedChannel(new StrangerFrameLimit());
    ch.writeInbound(preface());
    Http2Link.admitted(ch); // (writes a SETTINGS frame outbound; no codec here to take it)
    ch.writeInbound(frameHead(1 << 20, 0, 1));
    assertThat(ch.isOpen()).isTrue();
    assertThat(ch.pipeline().get(StrangerFrameLimit.class)).as("it left").isNull();
    assertThat(passed(ch)).isEqualTo(24 + 9);
    ch.finishAndReleaseAll();
  }

  @Test
  void bytesThatAreNoHttp2AreLeftToTheCodec() {
    EmbeddedChannel ch = new EmbeddedChannel(new StrangerFrameLimit());
    String request = "GET / HTTP/1.1\r\nHost: example.com, a long enough name\r\n\r\n";
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    assertThat(ch.isOpen()).isTrue();
    assertThat(ch.pipeline().get(StrangerFrameLimit.class)).isNull();
    assertThat(passed(ch)).isEqualTo(request.length());
    ch.finishAndReleaseAll();
  }
}
