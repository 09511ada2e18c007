package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sidestep.core.dns.DnsFormatException;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.route.Destination;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes each decoded HTTP request and decides what the connection becomes. With valid {@code
 * Proxy-Authorization}: a CONNECT tunnel, a forwarded absolute-form request, or a DNS-over-HTTPS
 * answer. Without: the decoy web site, exactly as for any other visitor.
 *
 * <p>It handles one message at a time. The decoder may hand over several at once (a request and its
 * end, pipelined requests, or raw bytes after a CONNECT once the decoder is gone), so they wait in
 * a queue, and the next read is asked for only when the queue is empty and nothing is in progress:
 * a client cannot make the relay buffer more than one read's worth of input.
 */
public final class FrontHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(FrontHandler.class);

  /** The largest request body the decoy swallows before it gives up on the connection. */
  private static final int MAX_DISCARD = 64 * 1024;

  private enum State {
    /** Waiting for a request line and headers. */
    REQUEST,
    /** Reading the current request's body, then running {@link #onBodyEnd}. */
    BODY,
    /** Waiting for a lookup, a connect or a response write; nothing is dispatched. */
    WAITING,
    /** Sending an absolute-form request's body to the origin. */
    FORWARDING,
    /** The forwarded request is sent; the origin's response streams back until it closes. */
    FORWARDED,
    /** The tunnel is up; any queued raw bytes go to the origin. */
    TUNNEL,
    CLOSED
  }

  private final RelayContext rc;
  private final ConnectionRecord record = new ConnectionRecord();
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private ChannelHandlerContext ctx;
  private State state = State.REQUEST;

  private HttpRequest request;
  private boolean keepAlive;
  private boolean head;
  private boolean collect;
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private long bodyBytes;
  private Runnable onBodyEnd;
  private Channel outbound;
  private io.netty.util.concurrent.Future<?> headTimer;

  public FrontHandler(RelayContext rc) {
    this.rc = rc;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().closeFuture().addListener(f -> record.log());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    armHeadTimer();
    ctx.read();
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (state == State.CLOSED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    queue.add(msg);
    drain();
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // Reads are asked for by drain(), message by message; nothing to do per batch.
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSED;
    if (headTimer != null) {
      headTimer.cancel(false);
    }
    releaseQueue();
    if (outbound != null) {
      TunnelHandler.closeOnFlush(outbound);
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // TLS failures (garbage, a handshake timeout, an unknown protocol) land here: close quietly.
    log.debug("connection closed: {}", cause.toString());
    record.result("error", null);
    close();
  }

  private void drain() {
    while (state != State.CLOSED && state != State.WAITING) {
      Object m = queue.poll();
      if (m == null) {
        break;
      }
      try {
        dispatch(m);
      } catch (RuntimeException e) {
        ReferenceCountUtil.safeRelease(m);
        log.debug("request failed", e);
        close();
        return;
      }
    }
    if (queue.isEmpty()
        && (state == State.REQUEST || state == State.BODY || state == State.FORWARDING)) {
      ctx.read();
    }
  }

  private void dispatch(Object m) {
    switch (state) {
      case REQUEST -> {
        if (m instanceof HttpRequest r) {
          onRequest(r);
          if (m instanceof LastHttpContent && state == State.BODY) {
            endBody(); // a full request (a decoder failure) carries its own end
          }
        }
        ReferenceCountUtil.release(m);
      }
      case BODY -> {
        if (m instanceof HttpContent c) {
          bodyBytes += c.content().readableBytes();
          if (collect && bodyBytes <= DnsOverHttps.MAX_MESSAGE) {
            body.writeBytes(io.netty.buffer.ByteBufUtil.getBytes(c.content()));
          }
          boolean last = m instanceof LastHttpContent;
          c.release();
          if (!collect && bodyBytes > MAX_DISCARD) {
            close();
          } else if (collect && bodyBytes > DnsOverHttps.MAX_MESSAGE) {
            respond(
                HttpResponses.error(
                    ctx.alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, false, false),
                false);
          } else if (last) {
            endBody();
          }
        } else {
          ReferenceCountUtil.release(m);
          close();
        }
      }
      case FORWARDING -> forwardContent(m);
      case TUNNEL -> {
        if (m instanceof ByteBuf b) {
          record.up(b.readableBytes());
          outbound.writeAndFlush(b);
        } else {
          ReferenceCountUtil.release(m);
        }
      }
      default -> ReferenceCountUtil.release(m);
    }
  }

  private void onRequest(HttpRequest r) {
    request = r;
    headTimer.cancel(false);
    if (r.decoderResult().isFailure()) {
      Throwable c = r.decoderResult().cause();
      HttpResponseStatus status =
          c instanceof TooLongHttpLineException
              ? HttpResponseStatus.REQUEST_URI_TOO_LONG
              : HttpResponseStatus.BAD_REQUEST;
      byte[] page =
          c instanceof TooLongHttpHeaderException
              ? HttpResponses.errorPage(
                  HttpResponseStatus.BAD_REQUEST, "Request Header Or Cookie Too Large")
              : HttpResponses.errorPage(status);
      record.result("bad-request", null);
      respond(HttpResponses.response(ctx.alloc(), status, "text/html", page, false, false), false);
      return;
    }
    if (r.headers().size() > rc.maxHeaders()) {
      record.result("bad-request", "too many headers");
      respond(
          HttpResponses.response(
              ctx.alloc(),
              HttpResponseStatus.BAD_REQUEST,
              "text/html",
              HttpResponses.errorPage(
                  HttpResponseStatus.BAD_REQUEST, "Request Header Or Cookie Too Large"),
              false,
              false),
          false);
      return;
    }
    keepAlive = HttpUtil.isKeepAlive(r);
    head = r.method().equals(HttpMethod.HEAD);
    String user =
        rc.authenticator().authenticate(r.headers().get(HttpHeaderNames.PROXY_AUTHORIZATION));
    if (user != null) {
      record.user(user);
      if (r.method().equals(HttpMethod.CONNECT)) {
        startTunnel(r);
        return;
      }
      if (isAbsolute(r.uri())) {
        startForward(r);
        return;
      }
      if (DnsOverHttps.PATH.equals(new QueryStringDecoder(r.uri()).rawPath())) {
        startDoh(r);
        return;
      }
    }
    decoy(r);
  }

  // ---- the decoy site ----

  private void decoy(HttpRequest r) {
    record.result("decoy", null);
    HttpMethod m = r.method();
    String uri = r.uri();
    // What nginx refuses before it looks for a file, closing the connection: another HTTP major
    // version (505), an authority-form (CONNECT) or asterisk target, HTTP/1.1 without Host, two
    // Host headers, a path that climbs above the root (400).
    HttpResponseStatus refused = null;
    if (r.protocolVersion().majorVersion() != 1) {
      refused = HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
    } else if (m.equals(HttpMethod.CONNECT)
        || !(uri.startsWith("/") || isAbsolute(uri))
        || (r.protocolVersion().minorVersion() >= 1 && !r.headers().contains(HttpHeaderNames.HOST))
        || r.headers().getAll(HttpHeaderNames.HOST).size() > 1
        || DecoySite.climbsAboveRoot(uri)) {
      refused = HttpResponseStatus.BAD_REQUEST;
    }
    if (refused != null) {
      respond(HttpResponses.error(ctx.alloc(), refused, false, false), false);
      return;
    }
    boolean again = keepAlive;
    if (!m.equals(HttpMethod.GET) && !head) {
      // A static site: 405 once the body has been read, and the connection stays open.
      expectBody(
          false,
          () ->
              respond(
                  HttpResponses.error(
                      ctx.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, false, again),
                  again));
      return;
    }
    expectBody(false, () -> serveDecoy(uri, again));
  }

  private void serveDecoy(String uri, boolean again) {
    if (!rc.decoy().blocking()) {
      respond(toResponse(rc.decoy().page(uri), again), again);
      return;
    }
    offLoop(() -> rc.decoy().page(uri), page -> respond(toResponse(page, again), again));
  }

  private FullHttpResponse toResponse(DecoySite.Page page, boolean again) {
    FullHttpResponse resp =
        HttpResponses.response(
            ctx.alloc(), page.status(), page.contentType(), page.body(), head, again);
    if (page.status().equals(HttpResponseStatus.OK)) {
      // nginx puts Last-Modified before Connection, then ETag and Accept-Ranges.
      String connection = resp.headers().get("Connection");
      resp.headers()
          .remove("Connection")
          .set(
              "Last-Modified",
              io.netty.handler.codec.DateFormatter.format(
                  java.util.Date.from(rc.decoy().started())))
          .set("Connection", connection)
          .set(
              "ETag",
              "\""
                  + Long.toHexString(rc.decoy().started().getEpochSecond())
                  + "-"
                  + Integer.toHexString(page.body().length)
                  + "\"")
          .set("Accept-Ranges", "bytes");
    }
    return resp;
  }

  // ---- DNS over HTTPS ----

  private void startDoh(HttpRequest r) {
    record.destination("dns-query");
    if (r.method().equals(HttpMethod.GET)) {
      List<String> p = new QueryStringDecoder(r.uri()).parameters().get("dns");
      byte[] query;
      try {
        query = DnsOverHttps.decodeGetParameter(p == null ? null : p.get(0));
      } catch (DnsFormatException e) {
        expectBody(
            false, () -> respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), true));
        return;
      }
      expectBody(false, () -> answerDoh(query));
    } else if (r.method().equals(HttpMethod.POST)) {
      String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      if (!type.toLowerCase(Locale.ROOT).startsWith(DnsOverHttps.MEDIA_TYPE)) {
        respondToUser(
            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
            "content type: '" + type + "' (expected: " + DnsOverHttps.MEDIA_TYPE + ")",
            false);
        return;
      }
      expectBody(true, () -> answerDoh(body.toByteArray()));
    } else {
      respondToUser(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "DNS-over-HTTPS takes GET or POST", false);
    }
  }

  private void answerDoh(byte[] query) {
    record.dnsQuery();
    record.result("ok", null);
    offLoop(
        () -> {
          try {
            return rc.doh().answer(query);
          } catch (DnsFormatException e) {
            return e;
          }
        },
        answer -> {
          if (answer instanceof DnsFormatException e) {
            respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), true);
            return;
          }
          byte[] a = (byte[]) answer;
          FullHttpResponse resp =
              HttpResponses.response(
                  ctx.alloc(), HttpResponseStatus.OK, DnsOverHttps.MEDIA_TYPE, a, false, keepAlive);
          resp.headers().set("Cache-Control", "max-age=" + DohResponder.TTL);
          respond(resp, keepAlive);
        });
  }

  // ---- CONNECT ----

  private void startTunnel(HttpRequest r) {
    Destination dest;
    try {
      dest = Destination.parse(r.uri(), -1);
    } catch (IllegalArgumentException e) {
      respondToUser(
          HttpResponseStatus.BAD_REQUEST,
          "CONNECT target: '" + r.uri() + "' (expected: HOST:PORT)",
          false);
      return;
    }
    record.destination(dest.authority());
    // From here on the client's bytes belong to the tunnel: stop decoding them as HTTP. Bytes the
    // decoder already holds arrive as raw buffers (re-entering channelRead) and wait in the queue.
    state = State.WAITING;
    ctx.pipeline().remove("http-decoder");
    rc.dialer().dial(ctx.channel().eventLoop(), dest).addListener(f -> onTunnelDialed(f));
  }

  private void onTunnelDialed(Future<?> f) {
    if (!dialled(f)) {
      return;
    }
    record.result("ok", null);
    ctx.pipeline().remove("http-encoder");
    ctx.writeAndFlush(
            Unpooled.copiedBuffer(
                "HTTP/1.1 200 Connection established\r\n\r\n", StandardCharsets.US_ASCII))
        .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    state = State.TUNNEL;
    drain(); // raw bytes that came with the CONNECT go first
    outbound.pipeline().addLast("tunnel", new TunnelHandler(ctx.channel(), record, false));
    Channel inbound = ctx.channel();
    ctx.pipeline().replace(this, "tunnel", new TunnelHandler(outbound, record, true));
    outbound.read();
    inbound.read();
  }

  /** Common handling of a finished dial: false when the connection cannot go on. */
  private boolean dialled(Future<?> f) {
    if (state == State.CLOSED) {
      if (f.isSuccess()) {
        ((Channel) f.getNow()).close();
      }
      return false;
    }
    if (!f.isSuccess()) {
      if (f.cause() instanceof DialException e) {
        record.result(e.kind().result(), e.getMessage());
        respondToUser(e.kind().status(), e.getMessage(), false);
      } else {
        record.result("error", String.valueOf(f.cause()));
        respondToUser(HttpResponseStatus.BAD_GATEWAY, "cannot connect", false);
      }
      return false;
    }
    outbound = (Channel) f.getNow();
    return true;
  }

  // ---- absolute-form requests ----

  private static boolean isAbsolute(String uri) {
    return uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8);
  }

  private void startForward(HttpRequest r) {
    URI uri;
    try {
      uri = new URI(r.uri());
    } catch (URISyntaxException e) {
      respondToUser(HttpResponseStatus.BAD_REQUEST, "request target: not a valid URI", false);
      return;
    }
    if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
      respondToUser(
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
      respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), false);
      return;
    }
    record.destination(dest.authority());
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
    state = State.WAITING;
    rc.dialer().dial(ctx.channel().eventLoop(), dest).addListener(f -> onForwardDialed(f, out));
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

  private void onForwardDialed(Future<?> f, HttpRequest out) {
    if (!dialled(f)) {
      return;
    }
    record.result("ok", null);
    outbound.pipeline().addLast("count-up", new UpCounter(record));
    outbound.pipeline().addLast("http-encoder", new HttpRequestEncoder());
    outbound.pipeline().addLast("tunnel", new TunnelHandler(ctx.channel(), record, false));
    // The origin's response goes back byte for byte; the relay closes once the origin does.
    ctx.pipeline().remove("http-encoder");
    state = State.FORWARDING;
    sendToOrigin(out, false);
    outbound.read();
  }

  private void forwardContent(Object m) {
    if (m instanceof HttpContent c) {
      sendToOrigin(c, m instanceof LastHttpContent);
    } else {
      ReferenceCountUtil.release(m);
      close(); // a new request before the last one ended: not HTTP/1.1
    }
  }

  private void sendToOrigin(Object msg, boolean last) {
    State next = last ? State.FORWARDED : State.FORWARDING;
    state = State.WAITING;
    outbound
        .writeAndFlush(msg)
        .addListener(
            (ChannelFutureListener)
                w -> {
                  if (!w.isSuccess()) {
                    close();
                    return;
                  }
                  if (state == State.WAITING) {
                    state = next;
                    drain();
                  }
                });
  }

  // ---- plumbing ----

  /** Reads (and discards or collects) the current request's body, then runs {@code then}. */
  private void expectBody(boolean collect, Runnable then) {
    this.collect = collect;
    this.body.reset();
    this.bodyBytes = 0;
    this.onBodyEnd = then;
    state = State.BODY;
  }

  private void endBody() {
    Runnable r = onBodyEnd;
    onBodyEnd = null;
    state = State.WAITING;
    r.run();
  }

  private void respondToUser(HttpResponseStatus status, String text, boolean again) {
    FullHttpResponse resp = HttpResponses.forUser(ctx.alloc(), status, text);
    if (again && keepAlive) {
      resp.headers().set("Connection", "keep-alive");
    }
    respond(resp, again && keepAlive);
  }

  /** Writes a response; then either the next request is read or the connection closes. */
  private void respond(FullHttpResponse resp, boolean again) {
    if (state == State.CLOSED) {
      resp.release();
      return;
    }
    state = State.WAITING;
    ctx.writeAndFlush(resp)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() || !again) {
                    close();
                    return;
                  }
                  if (state == State.WAITING) {
                    state = State.REQUEST;
                    armHeadTimer();
                    drain();
                  }
                });
  }

  /** Runs blocking work on the pool and continues on this connection's event loop. */
  private <T> void offLoop(Supplier<T> work, java.util.function.Consumer<T> then) {
    state = State.WAITING;
    try {
      rc.blocking()
          .execute(
              () -> {
                T result = work.get();
                ctx.executor()
                    .execute(
                        () -> {
                          if (state != State.CLOSED) {
                            then.accept(result);
                          }
                        });
              });
    } catch (RejectedExecutionException e) {
      respond(
          HttpResponses.error(ctx.alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE, false, false),
          false);
    }
  }

  /**
   * Slowloris defence, and nginx's keep-alive timeout: the next request head must be complete
   * within the request timeout (60 s by default), however slowly its bytes trickle in.
   */
  private void armHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
    }
    headTimer =
        ctx.executor()
            .schedule(
                () -> {
                  if (state == State.REQUEST) {
                    record.result("request-timeout", null);
                    close();
                  }
                },
                rc.requestTimeoutMillis(),
                java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  private void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (headTimer != null) {
      headTimer.cancel(false);
    }
    releaseQueue();
    ctx.close();
  }

  private void releaseQueue() {
    Object m;
    while ((m = queue.poll()) != null) {
      ReferenceCountUtil.safeRelease(m);
    }
  }
}
