package io.sidestep.client.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.dial.DoorReply;
import io.sidestep.core.netty.Channels;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Optional;

/**
 * Takes a CONNECT that LittleProxy has parsed and authenticated away from it and gives the browser
 * connection to the core, as the SOCKS5 door does: LittleProxy's handlers leave the pipeline, the
 * core answers {@code 200 Connection established} once its connection is up (or the door's failure
 * page for this connection, after which the connection closes) and splices the bytes itself. So a
 * tunnel through the HTTP door costs what one through the SOCKS5 door costs, with no hop and no
 * thread hand-off in between. Bytes the browser sent behind its CONNECT are kept for the tunnel.
 */
final class HandOff {

  private static final byte[] ESTABLISHED =
      "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private HandOff() {}

  /**
   * Takes over the connection of LittleProxy's handler at {@code ctx}, which is handling {@code
   * request}, a CONNECT to {@code destination}. Call from the filter that sees the request; return
   * the answer this gives to LittleProxy, which then believes it answered the request itself (what
   * it writes goes nowhere) and never touches the connection again.
   */
  static FullHttpResponse take(
      ChannelHandlerContext ctx,
      HttpRequest request,
      Destination destination,
      Dispatcher dispatcher) {
    Channel channel = ctx.channel();
    ChannelPipeline pipeline = channel.pipeline();
    readAsTunnel(channel);
    ChannelHandlerContext decoder = pipeline.context(HttpRequestDecoder.class);
    // The decoder, removed, passes the bytes it has not decoded yet on to the hold.
    pipeline.addAfter(decoder.name(), HeldBytes.NAME, new HeldBytes());
    for (String name : new ArrayList<>(pipeline.toMap().keySet())) {
      if (!name.equals(HeldBytes.NAME) && pipeline.get(name) != null) {
        pipeline.remove(name);
      }
    }
    pipeline.addLast(Discard.NAME, new Discard());
    // After LittleProxy has written its answer into the discard, the core takes over.
    channel
        .eventLoop()
        .execute(
            () -> {
              pipeline.remove(Discard.NAME);
              dispatch(channel, request, destination, dispatcher);
            });
    // A 502, though nobody sees it: LittleProxy rewrites the headers of any other short-circuit
    // answer "as if proxied" (a Date header formatted anew each time, Via), about a tenth of the
    // door's CPU per CONNECT, for an answer that goes into the discard.
    FullHttpResponse unseen =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_GATEWAY, Unpooled.EMPTY_BUFFER);
    HttpUtil.setKeepAlive(unseen, true); // or LittleProxy would close the connection
    return unseen;
  }

  /**
   * Sets a browser connection taken from LittleProxy up as the core's tunnels read: only when asked
   * ({@code AUTO_READ} off), and, as on the SOCKS5 door, with a half-close passed on rather than
   * taken for a close.
   */
  static void readAsTunnel(Channel channel) {
    channel.config().setAutoRead(false);
    channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
  }

  /**
   * Gives {@code channel}, whose pipeline holds nothing but the bytes behind the CONNECT ({@link
   * HeldBytes}), to the core, which answers the CONNECT.
   */
  static void dispatch(
      Channel channel, HttpRequest request, Destination destination, Dispatcher dispatcher) {
    dispatcher.dispatch(channel, destination, "http", new Reply(channel, request, destination));
  }

  /** Drops what LittleProxy writes while it finishes with a request it no longer serves. */
  private static final class Discard extends ChannelOutboundHandlerAdapter {
    static final String NAME = "sidestep-discard";

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ReferenceCountUtil.release(msg);
      promise.trySuccess();
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {}
  }

  /** The HTTP answer to the CONNECT, for the core's outcome. */
  private static final class Reply implements DoorReply {
    private final Channel channel;
    private final HttpRequest request;
    private final Destination destination;

    Reply(Channel channel, HttpRequest request, Destination destination) {
      this.channel = channel;
      this.request = request;
      this.destination = destination;
    }

    @Override
    public ChannelFuture succeed() {
      return channel.writeAndFlush(Unpooled.wrappedBuffer(ESTABLISHED));
    }

    /** A browser shows no page for a failed CONNECT anyway: it gets the tunnel at once. */
    @Override
    public boolean answersEarly() {
      return true;
    }

    @Override
    public void fail(Decision decision, DialException cause) {
      FullHttpResponse page =
          DoorFilters.connectFailure(
              request, destination, Optional.of(new Hops.Failure(decision, cause)));
      HttpUtil.setKeepAlive(page, false);
      channel.pipeline().addLast(new HttpResponseEncoder());
      channel.writeAndFlush(page).addListener(x -> Channels.closeOnFlush(channel));
    }
  }
}
