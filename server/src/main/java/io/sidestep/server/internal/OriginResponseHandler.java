package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.netty.Channels;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passes one decoded origin response on to the client of a keep-alive connection, without this
 * hop's headers. Like a tunnel, the origin is read again only once the previous write to the client
 * succeeded. When the response has been written the origin is closed and {@code onEnd} is told
 * whether the client connection can carry another request: not when the origin delimited the
 * response by closing.
 */
final class OriginResponseHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(OriginResponseHandler.class);

  private final Channel client;
  private final Consumer<Boolean> onEnd;
  private boolean interim;
  private boolean again = true;
  private boolean sawLast;

  OriginResponseHandler(Channel client, Consumer<Boolean> onEnd) {
    this.client = client;
    this.onEnd = onEnd;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (sawLast || !(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg); // nothing may follow the response on this connection
      return;
    }
    if (((HttpObject) msg).decoderResult().isFailure()) {
      log.debug("origin response unreadable: {}", ((HttpObject) msg).decoderResult().cause());
      ReferenceCountUtil.release(msg);
      ctx.close(); // closes the client too: the response cannot be finished
      return;
    }
    if (msg instanceof HttpResponse r) {
      // A 1xx answer (100 Continue) comes before the real one and ends with its own empty end.
      interim = r.status().codeClass() == HttpStatusClass.INFORMATIONAL;
      ForwardRoute.stripHopByHop(r.headers());
      if (!interim
          && !HttpUtil.isContentLengthSet(r)
          && !HttpUtil.isTransferEncodingChunked(r)
          && !bodyless(r)) {
        again = false; // the body ends when the origin closes: so must the client connection
      }
      if (!interim) {
        r.headers().set("Connection", again ? "keep-alive" : "close");
      }
    }
    boolean last = msg instanceof LastHttpContent && !interim;
    if (msg instanceof LastHttpContent) {
      interim = false;
    }
    sawLast = last;
    client
        .writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess()) {
                    ctx.close();
                    client.close();
                  } else if (last) {
                    ctx.close();
                    onEnd.accept(again);
                  } else {
                    ctx.channel().read();
                  }
                });
  }

  private static boolean bodyless(HttpResponse r) {
    int code = r.status().code();
    return code == 204 || code == 304;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!sawLast) {
      Channels.closeOnFlush(client); // the response was cut short
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("origin response failed: {}", cause.toString());
    ctx.close();
  }
}
