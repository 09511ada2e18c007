package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The limits on what a relay's codec writes ({@link EncoderLimits}), on the codec itself. */
class EncoderLimitsTest {

  /**
   * Stands for the relay's socket: it keeps every write's bytes. If the peer does not read, it
   * completes no write until {@link #release}, so what the codec writes stays queued; if it reads,
   * a flush completes what was written.
   */
  private static final class Socket extends ChannelOutboundHandlerAdapter {
    final List<ByteBuf> held = new ArrayList<>();
    final List<ChannelPromise> promises = new ArrayList<>();
    private final boolean peerReads;
    private boolean closed;

    Socket(boolean peerReads) {
      this.peerReads = peerReads;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (closed) {
        ((ByteBuf) msg).release();
        promise.tryFailure(new java.nio.channels.ClosedChannelException());
        return;
      }
      held.add((ByteBuf) msg);
      promises.add(promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
      if (peerReads) {
        promises.forEach(ChannelPromise::trySuccess);
        promises.clear();
      }
    }

    /** The type and error code of each GOAWAY the codec wrote. */
    List<String> goAways() {
      List<String> out = new ArrayList<>();
      ByteBuf all = Unpooled.buffer();
      held.forEach(b -> all.writeBytes(b, b.readerIndex(), b.readableBytes()));
      while (all.readableBytes() >= 9) {
        int length = all.readUnsignedMedium();
        int type = all.readUnsignedByte();
        all.skipBytes(5);
        if (type == 7) {
          all.skipBytes(4);
          out.add("GOAWAY " + all.getUnsignedInt(all.readerIndex()));
          all.skipBytes(length - 4);
        } else {
          all.skipBytes(length);
        }
      }
      all.release();
      return out;
    }

    void release() {
      // As a socket that closes fails what it could not write (the codec then lets go of what it
      // kept for those writes, and may write more, which fails too) and drops the bytes.
      closed = true;
      held.forEach(ByteBuf::release);
      new ArrayList<>(promises)
          .forEach(p -> p.tryFailure(new java.nio.channels.ClosedChannelException()));
    }
  }

  private static EmbeddedChannel relay(Socket socket) {
    Http2FrameCodec codec = Http2Link.codec(true);
    EmbeddedChannel ch =
        new EmbeddedChannel(
            socket,
            codec,
            new io.netty.channel.ChannelInboundHandlerAdapter() {
              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // A stream's error, which the codec reports after resetting the stream.
              }
            });
    ByteBuf open = Unpooled.buffer();
    open.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    open.writeMedium(0).writeByte(4).writeByte(0).writeInt(0); // empty SETTINGS
    ch.writeInbound(open);
    return ch;
  }

  private static ByteBuf pings(int count) {
    ByteBuf b = Unpooled.buffer(count * 17);
    for (int i = 0; i < count; i++) {
      b.writeMedium(8).writeByte(6).writeByte(0).writeInt(0).writeLong(i);
    }
    return b;
  }

  @Test
  void pingsThePeerDoesNotReadTheAnswersOfEndTheConnection() {
    Socket socket = new Socket(false);
    EmbeddedChannel ch = relay(socket);
    try {
      // One SETTINGS ACK is queued already; 9,998 PING ACKs more stay under 10,000.
      ch.writeInbound(pings(EncoderLimits.MAX_QUEUED_CONTROL_FRAMES - 2));
      assertThat(ch.isOpen()).isTrue();
      assertThat(socket.goAways()).isEmpty();

      ch.writeInbound(pings(2));
      assertThat(ch.isOpen()).isFalse();
      assertThat(socket.goAways()).as("ENHANCE_YOUR_CALM").containsExactly("GOAWAY 11");
    } finally {
      socket.release();
      ch.finishAndReleaseAll();
    }
  }

  /** A request's HEADERS without END_STREAM on {@code stream}: it opens the stream and stays. */
  private static ByteBuf request(int stream) throws Exception {
    ByteBuf block = Unpooled.buffer();
    new DefaultHttp2HeadersEncoder()
        .encodeHeaders(
            stream,
            new DefaultHttp2Headers().method("GET").scheme("https").authority("a").path("/"),
            block);
    ByteBuf b = Unpooled.buffer();
    b.writeMedium(block.readableBytes()).writeByte(1).writeByte(0x4).writeInt(stream);
    b.writeBytes(block);
    block.release();
    return b;
  }

  @Test
  void streamsResetForErrorsPastTheLimitEndTheConnection() throws Exception {
    Socket socket = new Socket(true);
    EmbeddedChannel ch = relay(socket);
    try {
      int stream = 1;
      // The relay's first SETTINGS allow 128 streams at once; each stream past them is refused,
      // with a reset of REFUSED_STREAM, an error.
      for (int i = 0; i < Http2Link.FIRST_STREAMS + EncoderLimits.MAX_ERROR_RESETS; i++) {
        ch.writeInbound(request(stream));
        stream += 2;
      }
      assertThat(ch.isOpen()).isTrue();
      assertThat(socket.goAways()).isEmpty();

      ch.writeInbound(request(stream));
      assertThat(ch.isOpen()).isFalse();
      assertThat(socket.goAways()).as("ENHANCE_YOUR_CALM").containsExactly("GOAWAY 11");
    } finally {
      socket.release();
      ch.finishAndReleaseAll();
    }
  }
}
