package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.netty.Http2Link;
import io.sidestep.server.probe.H2Frames;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stranger's frames, through {@link StrangerFrames} into the relay's own HTTP/2 codec, whose
 * GOAWAY frames {@link NginxGoAway} shapes, as on a relay.
 */
class StrangerFramesTest {

  /** Counts the bytes that reach the codec. */
  private static final class Counter extends ChannelInboundHandlerAdapter {
    int bytes;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        bytes += b.readableBytes();
      }
      ctx.fireChannelRead(msg);
    }
  }

  private final Http2FrameCodec codec = Http2Link.codec(true);
  private final Counter counter = new Counter();
  private final StrangerFrames frames = new StrangerFrames(codec);
  private final EmbeddedChannel ch =
      new EmbeddedChannel(
          frames,
          new NginxGoAway(codec.connection(), frames::lastStream),
          counter,
          codec,
          new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
              // The codec has answered it (GOAWAY, then the close), as on a relay.
            }
          });

  private static ByteBuf bytes(byte[]... parts) {
    return Unpooled.wrappedBuffer(parts);
  }

  /**
   * The connection preface, an empty SETTINGS frame, and the ACK of the relay's SETTINGS, which
   * puts its frame size of 16 MiB in force: 42 bytes.
   */
  private static byte[] opening() {
    ByteBuf b = bytes(H2Frames.flight(), H2Frames.frame(4, 1, 0, new byte[0]));
    return ByteBufUtil.getBytes(b);
  }

  /** The frames the relay wrote, as {@link H2Frames#describe} lists them. */
  private String written() {
    ByteBuf all = Unpooled.buffer();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      all.writeBytes((ByteBuf) o);
      ReferenceCountUtil.release(o);
    }
    String frames = H2Frames.describe(ByteBufUtil.getBytes(all));
    all.release();
    return frames;
  }

  private int requestsRead() {
    int n = 0;
    for (Object o; (o = ch.readInbound()) != null; ) {
      if (o instanceof Http2HeadersFrame) {
        n++;
      }
      ReferenceCountUtil.release(o);
    }
    return n;
  }

  @Test
  void aLongDataFrameIsDroppedAsItComesNeverHeldWhole() {
    ch.writeInbound(bytes(opening()));
    // A DATA frame of the largest size HTTP/2 allows, its head cut between two reads.
    ByteBuf head =
        Unpooled.buffer()
            .writeMedium(Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND)
            .writeByte(0)
            .writeByte(0)
            .writeInt(1);
    ch.writeInbound(head.readRetainedSlice(4));
    ch.writeInbound(head);
    int left = Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND;
    while (left > 1 << 20) {
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[1 << 20]));
      left -= 1 << 20;
    }
    // The rest of it, and a PING behind it in the same read.
    ch.writeInbound(bytes(new byte[left], H2Frames.frame(6, 0, 0, new byte[8])));
    assertThat(ch.isOpen()).isTrue();
    assertThat(counter.bytes).as("the opening and the PING").isEqualTo(42 + 17);
    assertThat(written()).contains("PING ACK").doesNotContain("GOAWAY");
    ch.finishAndReleaseAll();
  }

  @Test
  void aLongHeaderBlockEndsTheConnectionAsNginxsLimitsDo() {
    ch.writeInbound(bytes(opening()));
    ch.writeInbound(
        Unpooled.buffer()
            .writeMedium(StrangerFrames.MAX + 1)
            .writeByte(1)
            .writeByte(5)
            .writeInt(3));
    assertThat(written()).contains("GOAWAY last 3 error 11");
    assertThat(ch.isOpen()).isFalse();
    assertThat(counter.bytes).isEqualTo(42);
    ch.finishAndReleaseAll();
  }

  /** A SETTINGS head of {@code length} bytes with {@code flags} on {@code stream}. */
  private static ByteBuf settingsHead(int length, int flags, int stream) {
    return Unpooled.buffer().writeMedium(length).writeByte(4).writeByte(flags).writeInt(stream);
  }

  @Test
  void aLongSettingsFrameIsReadEntryByEntryAndReachesTheCodecAsWhatNginxKeeps() {
    ch.writeInbound(bytes(opening()));
    assertThat(written()).contains("SETTINGS ACK"); // of the opening's empty SETTINGS
    int entries = 100_000;
    ch.writeInbound(settingsHead(entries * 6, 0, 0));
    // Entries in reads cut mid-entry: windows of 1 to 999, settings nobody knows, and
    // ENABLE_CONNECT_PROTOCOL 2, which nginx 1.22 does not know and Netty would refuse.
    ByteBuf all = Unpooled.buffer(entries * 6);
    for (int i = 0; i < entries - 1; i++) {
      int kind = i % 3;
      all.writeShort(kind == 0 ? 4 : kind == 1 ? 0x42 : 8).writeInt(kind == 0 ? 1 + i % 999 : 2);
    }
    all.writeShort(4).writeInt(1000);
    while (all.readableBytes() > 0) {
      ch.writeInbound(all.readRetainedSlice(Math.min(4093, all.readableBytes())));
    }
    all.release();
    assertThat(ch.isOpen()).isTrue();
    assertThat(counter.bytes).as("one frame of one setting").isEqualTo(42 + 9 + 6);
    assertThat(written()).contains("SETTINGS ACK").doesNotContain("GOAWAY");
    assertThat(codec.connection().remote().flowController().initialWindowSize()).isEqualTo(1000);
    ch.finishAndReleaseAll();
  }

  @Test
  void aValueNginxRefusesEndsTheConnectionWithoutTheRestOfItsFrame() {
    ch.writeInbound(bytes(opening()));
    assertThat(written()).contains("SETTINGS ACK"); // of the opening's empty SETTINGS
    ch.writeInbound(settingsHead(600_000, 0, 0));
    ch.writeInbound(Unpooled.buffer().writeShort(3).writeInt(100).writeShort(2).writeInt(2));
    assertThat(written()).contains("GOAWAY last 0 error 1").doesNotContain("SETTINGS ACK");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aLongSettingsFrameWithAFaultInItsHeadIsRefusedForIt() {
    int[][] heads = { // length, flags, stream, and the error nginx sends
      {StrangerFrames.MAX + 2, 0, 1, 1}, // on a stream: PROTOCOL_ERROR
      {StrangerFrames.MAX + 2, 1, 0, 6}, // an ACK with entries: FRAME_SIZE_ERROR
      {StrangerFrames.MAX + 1, 0, 0, 6} // not whole entries: FRAME_SIZE_ERROR
    };
    for (int[] h : heads) {
      EmbeddedChannel c = new StrangerFramesTest().ch;
      c.writeInbound(bytes(opening()));
      c.writeInbound(settingsHead(h[0], h[1], h[2]));
      ByteBuf out = Unpooled.buffer();
      for (Object o; (o = c.readOutbound()) != null; ) {
        out.writeBytes((ByteBuf) o);
        ReferenceCountUtil.release(o);
      }
      assertThat(H2Frames.describe(ByteBufUtil.getBytes(out)))
          .as("%s", java.util.Arrays.toString(h))
          .contains("GOAWAY last 0 error " + h[3]);
      out.release();
      assertThat(c.isOpen()).isFalse();
      c.finishAndReleaseAll();
    }
    ch.finishAndReleaseAll();
  }

  @Test
  void aLongGoAwayReachesTheCodecWithoutItsDebugDataAndTheConnectionGoesOn() {
    ch.writeInbound(bytes(opening()));
    int length = 1 << 20;
    ByteBuf head =
        Unpooled.buffer()
            .writeMedium(length)
            .writeByte(7)
            .writeByte(0)
            .writeInt(0)
            .writeInt(0) // last stream
            .writeInt(2); // INTERNAL_ERROR
    ch.writeInbound(head.readRetainedSlice(13)); // cut inside the last stream and error code
    assertThat(counter.bytes).isEqualTo(42);
    ch.writeInbound(head);
    assertThat(counter.bytes).as("the GOAWAY's first 8 bytes").isEqualTo(42 + 9 + 8);
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[length - 8 - 1000]));
    ch.writeInbound(bytes(new byte[1000], H2Frames.frame(6, 0, 0, new byte[8])));
    assertThat(ch.isOpen()).isTrue();
    assertThat(counter.bytes).isEqualTo(42 + 9 + 8 + 17);
    assertThat(written()).contains("PING ACK").doesNotContain("GOAWAY");
    ch.finishAndReleaseAll();
  }

  @Test
  void aLongPushPromiseIsRefusedForItsHead() {
    ch.writeInbound(bytes(opening()));
    ch.writeInbound(
        Unpooled.buffer()
            .writeMedium(StrangerFrames.MAX + 1)
            .writeByte(5)
            .writeByte(4)
            .writeInt(1));
    assertThat(written()).contains("GOAWAY last 0 error 1");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void framesUpToTheLimitPassWholeInReadsCutAnywhere() {
    // A frame of an unknown type, which the codec skips, of the largest size allowed, then a PING.
    byte[] unknown = H2Frames.frame(0x42, 0, 0, new byte[StrangerFrames.MAX]);
    byte[] ping = H2Frames.frame(6, 0, 0, new byte[8]);
    ByteBuf in = bytes(opening(), unknown, ping);
    ch.writeInbound(in.readRetainedSlice(40));
    ch.writeInbound(in.readRetainedSlice(40_000));
    assertThat(counter.bytes).as("only whole frames reach the codec").isEqualTo(42);
    ch.writeInbound(in);
    assertThat(ch.isOpen()).isTrue();
    assertThat(counter.bytes).isEqualTo(42 + unknown.length + ping.length);
    assertThat(written()).contains("PING ACK");
    ch.finishAndReleaseAll();
  }

  @Test
  void framesForStreamsTheRelayDoesNotHaveAreIgnoredAsNginxDoes() {
    ch.writeInbound(
        bytes(
            opening(),
            H2Frames.frame(0, 0, 1, new byte[] {1}), // DATA on an idle stream
            H2Frames.frame(3, 0, 5, new byte[] {0, 0, 0, 8}), // RST_STREAM on an idle stream
            H2Frames.frame(8, 0, 7, new byte[] {0, 0, 0, 1}), // WINDOW_UPDATE on an idle stream
            H2Frames.frame(0, 0, 2, new byte[] {1}))); // DATA on a stream of the server's
    assertThat(ch.isOpen()).isTrue();
    assertThat(written()).doesNotContain("GOAWAY").doesNotContain("RST_STREAM");
    assertThat(counter.bytes).as("only the opening reached the codec").isEqualTo(42);
    // The connection still serves a request.
    ch.writeInbound(bytes(H2Frames.headers(9, 5, H2Frames.get("/"))));
    assertThat(requestsRead()).isEqualTo(1);
    ch.finishAndReleaseAll();
  }

  @Test
  void dataAfterARequestEndedAndEmptyDataAreIgnored() {
    byte[] ended = H2Frames.headers(1, 5, H2Frames.get("/"));
    byte[] open = H2Frames.headers(3, 4, H2Frames.method("POST", "/"));
    byte[] empty = H2Frames.frame(0, 0, 3, new byte[0]);
    byte[] last = H2Frames.frame(0, 1, 3, new byte[0]);
    ch.writeInbound(
        bytes(
            opening(),
            ended,
            H2Frames.frame(0, 0, 1, new byte[] {1}), // after END_STREAM: nginx has answered
            open,
            empty,
            empty,
            empty,
            last));
    assertThat(written())
        .as("Netty would reset stream 1, and take three empty frames for a flood")
        .doesNotContain("GOAWAY")
        .doesNotContain("RST_STREAM");
    assertThat(counter.bytes).isEqualTo(42 + ended.length + open.length + last.length);
    assertThat(ch.isOpen()).isTrue();
    ch.finishAndReleaseAll();
  }

  @Test
  void dataOnAnOpenStreamReachesTheCodec() {
    byte[] get = H2Frames.headers(1, 4, H2Frames.get("/")); // no END_STREAM: a body follows
    byte[] data = H2Frames.frame(0, 1, 1, new byte[] {1, 2, 3});
    ch.writeInbound(bytes(opening(), get, data));
    assertThat(counter.bytes).isEqualTo(42 + get.length + data.length);
    assertThat(written()).doesNotContain("GOAWAY");
    ch.finishAndReleaseAll();
  }

  @Test
  void aStreamIdGoingDownEndsTheConnectionOnceTheRequestsBeforeAreAnswered() {
    ch.writeInbound(
        bytes(
            opening(),
            H2Frames.headers(3, 5, H2Frames.get("/")),
            H2Frames.headers(1, 5, H2Frames.get("/")),
            H2Frames.frame(6, 0, 0, new byte[8])));
    Http2HeadersFrame request = null;
    for (Object o; (o = ch.readInbound()) != null; ) {
      if (o instanceof Http2HeadersFrame h) {
        assertThat(request).as("one request read").isNull();
        request = h;
      }
      ReferenceCountUtil.release(o);
    }
    assertThat(request).isNotNull();
    assertThat(ch.isOpen()).as("stream 3 is not answered yet").isTrue();
    assertThat(written()).doesNotContain("GOAWAY");

    ch.writeOutbound(
        new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200"), true)
            .stream(request.stream()));
    assertThat(written())
        .contains("3 HEADERS END_STREAM [:status: 200]")
        .contains("GOAWAY last 3 error 1")
        .as("nothing after the bad frame is read")
        .doesNotContain("PING ACK");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aRequestLeftUnansweredHoldsTheEndForAWhileOnly() {
    ch.writeInbound(
        bytes(
            opening(),
            H2Frames.headers(3, 4, H2Frames.get("/")),
            H2Frames.headers(3, 5, H2Frames.get("/"))));
    assertThat(requestsRead()).isEqualTo(1);
    assertThat(ch.isOpen()).isTrue();
    ch.advanceTimeBy(StrangerFrames.ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertThat(written()).contains("GOAWAY last 3 error 1");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aStreamThatDependsOnItselfEndsTheConnection() {
    ch.writeInbound(bytes(opening(), H2Frames.frame(2, 0, 3, new byte[] {0, 0, 0, 3, 15})));
    assertThat(written()).contains("GOAWAY last 0 error 1");
    assertThat(ch.isOpen()).isFalse();
    ch.finishAndReleaseAll();
  }

  @Test
  void aUsersConnectionIsLeftAlone() {
    ch.writeInbound(bytes(opening()));
    Http2Link.admitted(ch);
    // As large as the link's settings allow, on a stream the relay does not have: the codec's now.
    byte[] big = H2Frames.frame(0x42, 0, 0, new byte[1 << 20]);
    ch.writeInbound(bytes(big));
    assertThat(ch.pipeline().get(StrangerFrames.class)).as("it left").isNull();
    assertThat(counter.bytes).isEqualTo(42 + big.length);
    ch.finishAndReleaseAll();
  }

  @Test
  void bytesThatAreNoHttp2AreLeftToTheCodec() {
    String request = "GET / HTTP/1.1\r\nHost: example.com, a long enough name\r\n\r\n";
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.US_ASCII));
    assertThat(ch.pipeline().get(StrangerFrames.class)).isNull();
    assertThat(counter.bytes).isEqualTo(request.length());
    assertThat(written()).contains("GOAWAY");
    ch.finishAndReleaseAll();
  }
}
