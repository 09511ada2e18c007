package io.sidestep.server.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.netty.Http2Link;

/**
 * Takes each decoded HTTP request and decides what the connection becomes. With valid {@code
 * Proxy-Authorization}: a CONNECT tunnel ({@link ConnectRoute}), a forwarded absolute-form request
 * ({@link ForwardRoute}), or a DNS-over-HTTPS answer ({@link DohRoute}). Without: the decoy web
 * site ({@link DecoyRoute}), exactly as for any other visitor, or with a fallback web server, that
 * server ({@link FallbackRoute} for a connection's first request, {@link ForwardRoute} for each
 * stream of an HTTP/2 connection). The connection's plumbing (queue, backpressure, bodies,
 * responses, timers) lives in its {@link Exchange}.
 */
public final class FrontHandler extends ChannelInboundHandlerAdapter {

  private final RelayContext rc;
  private Exchange ex;
  private DecoyRoute decoy;
  private DohRoute doh;
  private ConnectRoute connect;
  private ForwardRoute forward;
  private FallbackRoute fallback;

  public FrontHandler(RelayContext rc) {
    this.rc = rc;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ex = new Exchange(rc, ctx, this::route);
    decoy = new DecoyRoute(ex);
    doh = new DohRoute(ex);
    connect = new ConnectRoute(ex);
    forward = new ForwardRoute(ex);
    fallback = new FallbackRoute(ex);
  }

  /**
   * Taken out of the pipeline: the connection turned out to speak HTTP/2 (each stream gets a front
   * of its own), or a route took its place. The wait for a request head ends with it; left running,
   * it closed an HTTP/2 connection, and every tunnel on it, when the request timeout ran out.
   */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    ex.stopHeadTimer();
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ex.active();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ex.offer(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Reads are asked for by the exchange, message by message; nothing to do per batch.
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ex.inactive();
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ex.failed(cause);
  }

  /** What only a user may ask for: a tunnel, a forwarded request, a DNS query. */
  private static boolean proxyRequest(HttpRequest r) {
    return r.method().equals(HttpMethod.CONNECT)
        || ForwardRoute.isAbsolute(r.uri())
        || DnsOverHttps.PATH.equals(new QueryStringDecoder(r.uri()).rawPath());
  }

  private static int longestHeaderLine(HttpRequest r) {
    int longest = 0;
    for (var e : r.headers()) {
      longest = Math.max(longest, e.getKey().length() + 2 + e.getValue().length());
    }
    return longest;
  }

  private void route(HttpRequest r) {
    // Constant-time: a wrong token costs what a right one does, and an unknown name the same.
    Authenticator.Principal who =
        r.decoderResult().isSuccess()
            ? rc.authenticator().identify(r.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION))
            : null;
    String user = who == null ? null : who.name();
    Recorder recorder = ex.ctx().pipeline().get(Recorder.class);
    if (recorder != null) {
      // A connection's first request decides: a user's proxy request stays, anything else over
      // TLS goes to the fallback web server. Plain bytes on the TLS port get the answer below.
      if (!TlsSniffer.plain(ex.ctx()) && !(user != null && proxyRequest(r))) {
        fallback.start(rc.fallback());
        return;
      }
      recorder.take(ex.ctx()).release();
    }
    // nginx answers a HEAD it refuses without a body too, once it has read the method.
    boolean head = HttpMethod.HEAD.equals(r.method());
    if (r.decoderResult().isFailure()) {
      ex.answerAsNginx();
      Throwable c = r.decoderResult().cause();
      HttpResponseStatus status =
          c instanceof TooLongHttpLineException
              ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              // The decoder refuses a request whose last transfer coding is not chunked, where
              // nginx answers 501 as the decoy does for the codings the decoder lets through.
              : DecoyRoute.otherTransferCoding(r.headers())
                      && !TlsSniffer.plain(ex.ctx())
                      && r.protocolVersion().equals(HttpVersion.HTTP_1_1)
                  ? HttpResponseStatus.NOT_IMPLEMENTED
                  : HttpResponseStatus.BAD_REQUEST;
      byte[] page =
          c instanceof TooLongHttpHeaderException
              ? HttpResponses.errorPage(
                  HttpResponseStatus.BAD_REQUEST, "Request Header Or Cookie Too Large")
              : HttpResponses.errorPage(status);
      ex.record().result("bad-request", null);
      ex.respond(HttpResponses.response(ex.alloc(), status, "text/html", page, head, false), false);
      return;
    }
    if (!(ex.ctx().channel() instanceof Http2StreamChannel)
        && longestHeaderLine(r) > RelayInitializer.MAX_HEADER_LINE) {
      ex.record().result("bad-request", "header line too long");
      ex.respond(
          HttpResponses.response(
              ex.alloc(),
              HttpResponseStatus.BAD_REQUEST,
              "text/html",
              HttpResponses.errorPage(
                  HttpResponseStatus.BAD_REQUEST, "Request Header Or Cookie Too Large"),
              head,
              false),
          false);
      return;
    }
    if (TlsSniffer.plain(ex.ctx())) {
      ex.record().result("bad-request", "plain HTTP");
      ex.respond(
          HttpResponses.response(
              ex.alloc(),
              HttpResponseStatus.BAD_REQUEST,
              "text/html",
              HttpResponses.errorPage(
                  HttpResponseStatus.BAD_REQUEST, "The plain HTTP request was sent to HTTPS port"),
              head,
              false),
          false);
      return;
    }
    ex.begin(r);
    if (user != null) {
      ex.record().user(user);
      String refused = rc.accounts().admit(who, ex.ctx(), ex.record());
      if (refused != null) {
        ex.record().result("over-limit", refused);
        ex.respond(Accounts.refusal(ex.alloc(), refused), false);
        return;
      }
      if (ex.ctx().channel() instanceof Http2StreamChannel stream) {
        // A user's connection: from now on it gets the relay link's windows and stream count
        // (strangers' connections keep nginx's).
        Http2Link.admitted(stream.parent());
      }
      if (r.method().equals(HttpMethod.CONNECT)) {
        connect.start(r);
        return;
      }
      if (ForwardRoute.isAbsolute(r.uri())) {
        forward.start(r);
        return;
      }
      if (DnsOverHttps.PATH.equals(new QueryStringDecoder(r.uri()).rawPath())) {
        doh.start(r);
        return;
      }
    }
    rc.metrics()
        .probe(
            r.headers().contains(HttpHeaderNames.PROXY_AUTHORIZATION)
                ? "wrong_credentials"
                : "no_credentials");
    if (rc.fallback() != null && ex.ctx().channel() instanceof Http2StreamChannel) {
      // Over HTTP/2 each stream decides on its own: a stranger's goes to the fallback server.
      forward.toFallback(r, rc.fallback());
      return;
    }
    decoy.start(r);
  }
}
