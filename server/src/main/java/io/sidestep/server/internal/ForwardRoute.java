package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.route.Destination;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Forwards a user's absolute-form request ({@code GET http://host/path}) to the origin over a new
 * connection: the head in origin form without this hop's headers, then the body message by message
 * (the next read only after the last write). A keep-alive request gets the decoded response without
 * this hop's headers, and then the client connection takes its next request; otherwise the response
 * goes back byte for byte until the origin closes, and the client connection with it.
 */
final class ForwardRoute {

  private final Exchange ex;
  private Channel outbound;
  private boolean keepAlive;
  private boolean requestSent;
  private Boolean responseEnded; // null until the response has been written; then: again?

  ForwardRoute(Exchange ex) {
    this.ex = ex;
  }

  static boolean isAbsolute(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8);
  }

  void start(HttpRequest r) {
    URI uri;
    try {
      uri = new URI(r.uri());
    } catch (URISyntaxException e) {
      ex.respondToUser(HttpResponseStatus.BAD_REQUEST, "request target: not a valid URI", false);
      return;
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      ex.respondToUser(
          HttpResponseStatus.BAD_REQUEST,
          "request target: '"
              + uri.getScheme()
              + "://...' (expected: http://HOST/PATH; use CONNECT for https)",
          false);
      return;
    }
    Destination dest;
    try {
      dest = Destination.of(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort());
    } catch (IllegalArgumentException e) {
      ex.respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), false);
      return;
    }
    ex.record().destination(dest.authority());
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (uri.getRawQuery() != null) {
      path += "?" + uri.getRawQuery();
    }
    HttpRequest out = new DefaultHttpRequest(r.protocolVersion(), r.method(), path);
    out.headers().set(r.headers());
    stripHopByHop(out.headers());
    out.headers()
        .set(HttpHeaderNames.HOST, dest.port() == 80 ? hostForHeader(dest) : dest.authority())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    keepAlive = ex.keepAlive();
    requestSent = false;
    responseEnded = null;
    ex.pause();
    ex.rc().dialer().dial(ex.ctx().channel().eventLoop(), dest).addListener(f -> dialled(f, out));
  }

  /**
   * Passes a stranger's request on an HTTP/2 stream to the fallback web server, the stream's part
   * of what a connection gets over HTTP/1.1: the request as it came (origin form, its own Host),
   * over a new HTTP/1.1 connection, and that server's response back on the stream.
   */
  void toFallback(HttpRequest r, InetSocketAddress fallback) {
    ex.record().result("fallback", null);
    HttpRequest out = new DefaultHttpRequest(r.protocolVersion(), r.method(), r.uri());
    out.headers().set(r.headers());
    stripHopByHop(out.headers());
    out.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    keepAlive = true; // the stream ends with its response, whatever the fallback server says
    requestSent = false;
    responseEnded = null;
    ex.pause();
    Channel inbound = ex.ctx().channel();
    Promise<Channel> dialled = inbound.eventLoop().newPromise();
    ChannelFuture connected =
        TunnelOptions.outbound(inbound.eventLoop(), Duration.ofSeconds(10))
            .handler(
                new ChannelInitializer<>() {
                  @Override
                  protected void initChannel(Channel ch) {}
                })
            .connect(fallback);
    connected.addListener(
        f -> {
          if (f.isSuccess()) {
            dialled.setSuccess(connected.channel());
          } else {
            dialled.setFailure(f.cause());
          }
        });
    dialled.addListener(f -> dialled(f, out));
  }

  private static String hostForHeader(Destination d) {
    return d.host().indexOf(':') >= 0 ? "[" + d.host() + "]" : d.host();
  }

  /**
   * Removes what belongs to this hop only: the Connection header and every header it names,
   * Keep-Alive, TE, Trailer, Upgrade and every {@code Proxy-*} header (credentials above all).
   * Transfer-Encoding stays: the encoder re-frames the body with it.
   */
  static void stripHopByHop(HttpHeaders h) {
    for (String v : h.getAll(HttpHeaderNames.CONNECTION)) {
      for (String token : v.split(",")) {
        String t = token.trim();
        if (!t.isEmpty() && !t.equalsIgnoreCase("transfer-encoding")) {
          h.remove(t);
        }
      }
    }
    h.remove(HttpHeaderNames.CONNECTION)
        .remove("Keep-Alive")
        .remove(HttpHeaderNames.TE)
        .remove(HttpHeaderNames.TRAILER)
        .remove(HttpHeaderNames.UPGRADE);
    List<String> proxy = new ArrayList<>();
    for (var e : h) {
      if (e.getKey().regionMatches(true, 0, "proxy-", 0, 6)) {
        proxy.add(e.getKey());
      }
    }
    proxy.forEach(h::remove);
  }

  private void dialled(Future<?> f, HttpRequest out) {
    outbound = ex.connected(f);
    if (outbound == null) {
      return;
    }
    ConnectionRecord record = ex.record();
    ChannelHandlerContext ctx = ex.ctx();
    record.result("ok", null);
    if (keepAlive) {
      // The response is decoded to find its end, then the connection takes the next request.
      outbound.pipeline().addLast("count-down", new DownCounter(record));
      outbound.pipeline().addLast("count-up", new UpCounter(record));
      outbound.pipeline().addLast("http-codec", new HttpClientCodec());
      outbound
          .pipeline()
          .addLast("response", new OriginResponseHandler(ctx.channel(), this::responseEnded));
    } else {
      outbound.pipeline().addLast("count-up", new UpCounter(record));
      outbound.pipeline().addLast("http-encoder", new HttpRequestEncoder());
      outbound.pipeline().addLast("tunnel", new Splice(ctx.channel(), record::down));
      // The origin's response goes back byte for byte; the relay closes once the origin does.
      ctx.pipeline().remove("http-encoder");
    }
    send(out, false);
    outbound.read();
  }

  private void responseEnded(boolean again) {
    responseEnded = again;
    finish();
  }

  /** Once the request is sent and the response written, the next request (or the end). */
  private void finish() {
    if (!requestSent || responseEnded == null) {
      return;
    }
    if (responseEnded) {
      ex.nextRequest();
    } else {
      ex.close();
    }
  }

  private void forwardContent(Object m) {
    if (m instanceof HttpContent c) {
      send(c, m instanceof LastHttpContent);
    } else {
      ReferenceCountUtil.release(m);
      ex.close(); // a new request before the last one ended: not HTTP/1.1
    }
  }

  /** Writes to the origin; the next message is taken only once the write has succeeded. */
  private void send(Object msg, boolean last) {
    ex.pause();
    outbound
        .writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                w -> {
                  if (!w.isSuccess()) {
                    ex.close();
                    return;
                  }
                  if (ex.paused()) {
                    if (last && keepAlive) {
                      requestSent = true; // the connection waits, holding what comes next
                      finish();
                      return;
                    }
                    if (last) {
                      ex.stream(ReferenceCountUtil::release, false); // nothing more is forwarded
                    } else {
                      ex.stream(this::forwardContent, true);
                    }
                    ex.drain();
                  }
                });
  }
}
