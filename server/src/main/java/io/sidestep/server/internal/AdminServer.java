package io.sidestep.server.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * The admin listener's pipeline: plain HTTP with {@code GET /metrics} (Prometheus text format),
 * {@code GET /healthz} (liveness: 200 while the relay's event loops answer) and {@code GET /readyz}
 * (readiness: 200 while the relay accepts connections, 503 once it drains). Anything else is 404.
 * Meant for loopback or a cluster's private network: it has no authentication.
 */
public final class AdminServer extends ChannelInitializer<SocketChannel> {

  private final Metrics metrics;
  private final BooleanSupplier ready;

  public AdminServer(Metrics metrics, BooleanSupplier ready) {
    this.metrics = metrics;
    this.ready = ready;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ch.pipeline()
        .addLast(new ReadTimeoutHandler(30))
        .addLast(new HttpServerCodec(4096, 8192, 8192))
        .addLast(new HttpObjectAggregator(0))
        .addLast(new Handler());
  }

  private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      String path = new QueryStringDecoder(req.uri()).path();
      FullHttpResponse resp;
      if (!req.method().equals(HttpMethod.GET)) {
        resp = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "GET only");
      } else {
        resp =
            switch (path) {
              case "/metrics" -> {
                FullHttpResponse r =
                    new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(metrics.scrape()));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, Metrics.contentType());
                yield r;
              }
              case "/healthz" -> text(HttpResponseStatus.OK, "ok");
              case "/readyz" ->
                  ready.getAsBoolean()
                      ? text(HttpResponseStatus.OK, "ready")
                      : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining");
              default -> text(HttpResponseStatus.NOT_FOUND, "not found");
            };
      }
      resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, resp.content().readableBytes());
      ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  private static FullHttpResponse text(HttpResponseStatus status, String body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            status,
            Unpooled.copiedBuffer(body + "\n", StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    return r;
  }
}
