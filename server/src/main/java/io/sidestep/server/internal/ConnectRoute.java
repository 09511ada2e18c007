package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.SpeedSample;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Sets up a user's CONNECT tunnel: stops decoding HTTP, dials the destination, answers 200 and then
 * puts a {@link Splice} pair in place of the front handler. On an HTTP/2 stream the 200 is a
 * HEADERS frame and the stream's DATA frames become the tunnel's bytes ({@link StreamBytes}). An
 * request that offers padding ({@link FirstFlightPadding#HEADER}, over HTTP/1.1 or HTTP/2) gets it
 * in the 200 too, and the tunnel's first flights are padded. A CONNECT to the relay's speed sample
 * goes to {@link SpeedSampleRoute} instead.
 */
final class ConnectRoute {

  private final Exchange ex;
  private boolean padded;

  ConnectRoute(Exchange ex) {
    this.ex = ex;
  }

  void start(HttpRequest r) {
    Destination dest;
    try {
      dest = Destination.parse(r.uri(), -1);
    } catch (IllegalArgumentException e) {
      ex.respondToUser(
          HttpResponseStatus.BAD_REQUEST,
          "CONNECT target: '" + r.uri() + "' (expected: HOST:PORT)",
          false);
      return;
    }
    if (SpeedSample.is(dest)) {
      new SpeedSampleRoute(ex).start(dest.port());
      return;
    }
    ex.record().destination(dest.authority());
    padded = r.headers().contains(FirstFlightPadding.HEADER);
    // From here on the client's bytes belong to the tunnel: stop decoding them as HTTP. Bytes the
    // decoder already holds arrive as raw buffers (re-entering channelRead) and wait in the queue.
    ex.pause();
    ChannelHandlerContext ctx = ex.ctx();
    if (!(ctx.channel() instanceof Http2StreamChannel)) {
      ctx.pipeline().remove("http-decoder");
    } else {
      // DATA that came with the CONNECT (a client's fast open) is taken into the queue now, one
      // read's worth, so that the answer knows the client is not waiting for it (dialled).
      ctx.read();
    }
    ex.rc().dialer().dial(ctx.channel().eventLoop(), dest).addListener(f -> dialled(f));
  }

  private void dialled(Future<?> f) {
    Channel outbound = ex.connected(f);
    if (outbound == null) {
      return;
    }
    ConnectionRecord record = ex.record();
    ChannelHandlerContext ctx = ex.ctx();
    record.result("ok", null);
    boolean h2 = ctx.channel() instanceof Http2StreamChannel;
    if (h2) {
      // An HTTP/2 CONNECT stream: a 200 HEADERS frame, then DATA frames are the tunnel's bytes.
      DefaultHttp2Headers ok = new DefaultHttp2Headers();
      ok.status("200");
      if (padded) {
        ok.set(FirstFlightPadding.H2_HEADER, FirstFlightPadding.filler());
      }
      DefaultHttp2HeadersFrame answer = new DefaultHttp2HeadersFrame(ok);
      if (ex.hasQueued()) {
        // The client's first bytes came with its CONNECT: it is not waiting for this answer (a
        // fast open). The 200 goes out with the destination's first bytes, one record where
        // there were two.
        ctx.pipeline().addFirst(AnswerWithBytes.NAME, new AnswerWithBytes(answer));
      } else {
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      }
      ctx.pipeline().remove(Http2Front.CONTENTS);
      ctx.pipeline().replace(Http2Front.STREAM_CODEC, StreamBytes.NAME, new StreamBytes());
      if (padded) {
        splicePadded(ctx, outbound, record);
        return;
      }
    } else {
      ctx.pipeline().remove("http-encoder");
      String padding =
          padded ? FirstFlightPadding.HEADER + ": " + FirstFlightPadding.filler() + "\r\n" : "";
      ctx.writeAndFlush(
              Unpooled.copiedBuffer(
                  "HTTP/1.1 200 Connection established\r\n" + padding + "\r\n",
                  StandardCharsets.US_ASCII))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      if (padded) {
        splicePadded(ctx, outbound, record);
        return;
      }
    }
    // Bytes that came with the CONNECT go first (raw, or as HTTP/2 contents decoded before the
    // codec left); the tunnel handlers read from then on.
    ex.stream(
        m -> {
          ByteBuf b =
              m instanceof ByteBuf raw ? raw : m instanceof HttpContent c ? c.content() : null;
          if (b == null) {
            ReferenceCountUtil.release(m);
            return;
          }
          record.up(b.readableBytes());
          outbound.writeAndFlush(b);
          if (h2 && m instanceof LastHttpContent && outbound instanceof DuplexChannel d) {
            d.shutdownOutput(); // END_STREAM came with the CONNECT's first bytes
          }
        },
        false);
    ex.drain();
    outbound.pipeline().addLast(Splice.NAME, new Splice(ctx.channel(), record::down));
    Channel inbound = ctx.channel();
    ctx.pipeline().replace(ctx.handler(), Splice.NAME, new Splice(outbound, record::up));
  }

  /**
   * The tunnel with {@link FirstFlightPadding} between TLS and the splice. Bytes that came with the
   * CONNECT are padded frames too: they wait in a {@link HeldBytes} below the padding and go
   * through it once the splice is in place.
   */
  private void splicePadded(ChannelHandlerContext ctx, Channel outbound, ConnectionRecord record) {
    ctx.pipeline().addBefore(ctx.name(), FirstFlightPadding.NAME, new FirstFlightPadding());
    HeldBytes held = new HeldBytes();
    ctx.pipeline().addBefore(FirstFlightPadding.NAME, HeldBytes.NAME, held);
    ChannelHandlerContext heldCtx = ctx.pipeline().context(held);
    // Over HTTP/2 they are contents the stream's codec decoded before it left.
    ex.stream(m -> held.channelRead(heldCtx, m instanceof HttpContent c ? c.content() : m), false);
    ex.drain();
    outbound.pipeline().addLast(Splice.NAME, new Splice(ctx.channel(), record::down));
    ctx.pipeline().replace(ctx.handler(), Splice.NAME, new Splice(outbound, record::up));
    HeldBytes.passOn(ctx.pipeline());
  }

  /**
   * Holds a stream's 200 until the first frame written behind it (the destination's first bytes, or
   * the end of the stream), and writes it just before that frame, so that both go in one record; or
   * on its own after {@link #WAIT_MS}, or when the stream closes. It sits at the head of the
   * stream's pipeline, below every handler that writes, and leaves once the answer is out.
   */
  static final class AnswerWithBytes extends ChannelOutboundHandlerAdapter {
    static final String NAME = "answer-with-bytes";

    /**
     * How long, at most, the 200 waits for the destination's first bytes: {@value} ms. The client
     * does not wait for it (its first bytes went with its CONNECT).
     */
    static final long WAIT_MS = 5;

    private Http2HeadersFrame answer;
    private ScheduledFuture<?> timer;

    AnswerWithBytes(Http2HeadersFrame answer) {
      this.answer = answer;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      timer = ctx.executor().schedule(() -> answerNow(ctx), WAIT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      timer.cancel(false); // (a stream reset by the client: its pipeline is taken apart)
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      answer(ctx);
      ctx.write(msg, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
      answerNow(ctx);
      ctx.close(promise);
    }

    private void answerNow(ChannelHandlerContext ctx) {
      if (answer != null) {
        answer(ctx);
        ctx.flush();
      }
    }

    /**
     * Writes the held 200 (once) and leaves the pipeline, which stops the timer: a timer left to
     * run out costs more than the record saved, as the event loop polls without sleeping for the
     * last half millisecond before it.
     */
    private void answer(ChannelHandlerContext ctx) {
      if (answer == null) {
        return;
      }
      Http2HeadersFrame a = answer;
      answer = null;
      ctx.write(a).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      ctx.pipeline().remove(this);
    }
  }
}
