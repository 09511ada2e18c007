package io.sidestep.client.lists;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.route.Destination;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * One HTTPS GET through a relay tunnel: TLS to the origin checked against the given roots and the
 * URL's host, HTTP/1.1, the answer read whole up to a size limit within a time limit. The answer is
 * a status, a Location and a body; redirects are the caller's.
 */
final class HttpsGet {
  private HttpsGet() {}

  /** What the origin answered. */
  record Answer(int status, String location, byte[] body) {}

  /** Why a fetch failed, in words for the log and the dashboard. */
  static final class FetchException extends Exception {
    private static final long serialVersionUID = 1L;

    FetchException(String message) {
      super(message, null, false, false);
    }
  }

  static Future<Answer> get(
      RelayConnector relays,
      EventLoop loop,
      SslContext tls,
      URI uri,
      int maxBytes,
      Duration timeout) {
    Promise<Answer> promise = loop.newPromise();
    String host = uri.getHost();
    int port = uri.getPort() < 0 ? 443 : uri.getPort();
    ScheduledFuture<?> deadline =
        loop.schedule(
            () -> {
              promise.tryFailure(
                  new FetchException("no answer within " + timeout.toSeconds() + " s"));
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    Future<Channel> tunnel;
    try {
      tunnel = relays.connect(loop, Destination.of(host, port));
    } catch (RuntimeException e) {
      deadline.cancel(false);
      promise.tryFailure(new FetchException("relay: " + e.getMessage()));
      return promise;
    }
    tunnel.addListener(
        f -> {
          if (!f.isSuccess()) {
            promise.tryFailure(new FetchException("relay: " + f.cause().getMessage()));
            return;
          }
          Channel ch = (Channel) f.getNow();
          if (promise.isDone()) {
            ch.close();
            return;
          }
          promise.addListener(x -> ch.close());
          start(ch, tls, uri, host, port, maxBytes, promise);
        });
    promise.addListener(x -> deadline.cancel(false));
    return promise;
  }

  private static void start(
      Channel ch,
      SslContext tls,
      URI uri,
      String host,
      int port,
      int maxBytes,
      Promise<Answer> promise) {
    SslHandler ssl = tls.newHandler(ch.alloc(), host, port);
    SSLEngine engine = ssl.engine();
    SSLParameters params = engine.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    engine.setSSLParameters(params);
    ch.pipeline()
        .addLast("list-tls", ssl)
        .addLast("list-http", new HttpClientCodec())
        .addLast("list-body", new HttpObjectAggregator(maxBytes))
        .addLast("list-answer", new Receiver(promise, maxBytes));
    HeldBytes.passOn(ch.pipeline());
    ch.config().setAutoRead(true);
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    boolean defaultPort = uri.getPort() < 0 || uri.getPort() == 443;
    request
        .headers()
        .set(HttpHeaderNames.HOST, defaultPort ? uri.getRawAuthority() : host + ":" + port)
        .set(HttpHeaderNames.USER_AGENT, "Sidestep")
        .set(HttpHeaderNames.ACCEPT, "*/*")
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    ch.writeAndFlush(request)
        .addListener(
            w -> {
              if (!w.isSuccess()) {
                promise.tryFailure(new FetchException("cannot send: " + w.cause().getMessage()));
              }
            });
  }

  private static final class Receiver extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final Promise<Answer> promise;
    private final int maxBytes;

    Receiver(Promise<Answer> promise, int maxBytes) {
      this.promise = promise;
      this.maxBytes = maxBytes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (response.decoderResult().isFailure()) {
        promise.tryFailure(
            new FetchException("bad HTTP answer: " + response.decoderResult().cause()));
        return;
      }
      promise.trySuccess(
          new Answer(
              response.status().code(),
              response.headers().get(HttpHeaderNames.LOCATION),
              ByteBufUtil.getBytes(response.content())));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      promise.tryFailure(new FetchException("the connection closed before a whole answer"));
    }

    /** The tunnel ended (END_STREAM): the decoders below finished first, so an answer came. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
        promise.tryFailure(new FetchException("the connection closed before a whole answer"));
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Throwable c =
          cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() != null
              ? cause.getCause()
              : cause;
      String why =
          c instanceof TooLongFrameException
              ? "the answer is larger than the limit of " + maxBytes + " bytes"
              : c instanceof javax.net.ssl.SSLException ? "TLS: " + c.getMessage() : c.toString();
      promise.tryFailure(new FetchException(why));
      ctx.close();
    }
  }
}
