package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.SpeedSample;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;

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
      ctx.writeAndFlush(new DefaultHttp2HeadersFrame(ok))
          .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
      ctx.pipeline().remove(Http2Front.CONTENTS);
      ctx.pipeline().replace("h2-http", StreamBytes.NAME, new StreamBytes());
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
}
