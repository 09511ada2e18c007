package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.SpeedSample;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Answers a user's {@code CONNECT speed-sample.invalid:K} ({@link SpeedSample}) with {@code K} KiB
 * of random bytes inside the tunnel, written as the client takes them, then closes. Nothing is
 * dialled. Only a user gets here: the front handler sends everyone else to the decoy.
 */
final class SpeedSampleRoute {

  private static final int CHUNK = 16 * 1024;

  private final Exchange ex;

  SpeedSampleRoute(Exchange ex) {
    this.ex = ex;
  }

  /** {@code kib} as the CONNECT asked: 1 to {@link SpeedSample#MAX_KIB}, or a 400. */
  void start(int kib) {
    ex.record().destination(SpeedSample.HOST);
    if (kib < 1 || kib > SpeedSample.MAX_KIB) {
      ex.record().result("bad-request", "speed sample size");
      ex.respondToUser(
          io.netty.handler.codec.http.HttpResponseStatus.BAD_REQUEST,
          "speed sample: " + kib + " KiB (expected: 1.." + SpeedSample.MAX_KIB + ")",
          false);
      return;
    }
    ex.pause();
    ChannelHandlerContext ctx = ex.ctx();
    boolean h2 = ctx.channel() instanceof Http2StreamChannel;
    if (!h2) {
      ctx.pipeline().remove("http-decoder");
      ctx.pipeline().remove("http-encoder");
    }
    ex.record().result("ok", "speed sample");
    // Whatever the client sends from here on is dropped; it is not expected to send anything.
    ex.stream(ReferenceCountUtil::release, true);
    if (h2) {
      // As a tunnel on an HTTP/2 stream: a 200 HEADERS frame, the bytes as DATA, END_STREAM.
      ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
      ctx.pipeline().remove(Http2Front.CONTENTS);
      ctx.pipeline().replace(Http2Front.STREAM_CODEC, StreamBytes.NAME, new StreamBytes());
    } else {
      ctx.write(
          Unpooled.copiedBuffer(
              "HTTP/1.1 200 Connection established\r\n\r\n", StandardCharsets.US_ASCII));
    }
    if (ctx.pipeline().get("chunked") == null) {
      ctx.pipeline().addBefore(ctx.name(), "chunked", new ChunkedWriteHandler());
    }
    // Over HTTP/2 the last chunk is a DATA frame with END_STREAM, so that the end can never
    // overtake the bytes before it.
    ChannelFuture sent = ctx.writeAndFlush(new RandomBytes(kib * 1024L, ex.record(), h2));
    if (!h2) {
      sent.addListener(ChannelFutureListener.CLOSE);
    }
    ex.drain();
  }

  /**
   * {@code length} random bytes, a chunk at a time; with {@code endStream}, the last one as an
   * HTTP/2 DATA frame that ends the stream (the others as bytes, which become DATA frames below).
   */
  private static final class RandomBytes implements ChunkedInput<Object> {
    private final long length;
    private final ConnectionRecord record;
    private final boolean endStream;
    private long sent;

    RandomBytes(long length, ConnectionRecord record, boolean endStream) {
      this.length = length;
      this.record = record;
      this.endStream = endStream;
    }

    @Override
    public boolean isEndOfInput() {
      return sent >= length;
    }

    @Override
    public void close() {}

    @Deprecated
    @Override
    public Object readChunk(ChannelHandlerContext ctx) {
      return readChunk(ctx.alloc());
    }

    @Override
    public Object readChunk(ByteBufAllocator allocator) {
      if (isEndOfInput()) {
        return null;
      }
      int n = (int) Math.min(CHUNK, length - sent);
      byte[] bytes = new byte[n];
      ThreadLocalRandom.current().nextBytes(bytes);
      sent += n;
      record.down(n);
      ByteBuf chunk = Unpooled.wrappedBuffer(bytes);
      return endStream && isEndOfInput() ? new DefaultHttp2DataFrame(chunk, true) : chunk;
    }

    @Override
    public long length() {
      return length;
    }

    @Override
    public long progress() {
      return sent;
    }
  }
}
