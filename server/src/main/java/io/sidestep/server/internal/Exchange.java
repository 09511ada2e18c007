package io.sidestep.server.internal;

import com.google.common.util.concurrent.MoreExecutors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.stream.ChunkedInput;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sidestep.core.netty.Channels;
import io.sidestep.core.netty.DialException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection's HTTP plumbing, shared by the front handler and the routes it picks: the
 * queue of decoded messages and the reads it asks for, request bodies, responses, blocking work,
 * the request-head timer, the outcome of a dial, and closing. Touched only from the connection's
 * event loop.
 *
 * <p>It handles one message at a time. The decoder may hand over several at once (a request and its
 * end, pipelined requests, or raw bytes after a CONNECT once the decoder is gone), so they wait in
 * a queue, and the next read is asked for only when the queue is empty and nothing is in progress:
 * a client cannot make the relay buffer more than one read's worth of input.
 */
final class Exchange {

  private static final Logger log = LoggerFactory.getLogger(FrontHandler.class);

  private enum State {
    /** Waiting for a request line and headers. */
    REQUEST,
    /** Reading the current request's body, then running {@link #onBodyEnd}. */
    BODY,
    /** Waiting for a lookup, a connect or a write; nothing is dispatched. */
    WAITING,
    /** Every message goes to {@link #sink}; more reads are asked for if {@link #sinkReads}. */
    STREAM,
    CLOSED
  }

  private final RelayContext rc;
  private final ChannelHandlerContext ctx;
  private final Consumer<HttpRequest> onRequest;
  private final ConnectionRecord record;
  private final ArrayDeque<Object> queue = new ArrayDeque<>();
  private State state = State.REQUEST;

  /** nginx's {@code keepalive_requests}: the response to the 1000th request closes. */
  static final int MAX_REQUESTS = 1000;

  private int requests;

  /** Whether the current request's end (its headers' or its body's) has been read. */
  private boolean requestEnded;

  /** Whether the current answer is nginx's (the decoy's), not one for a user. */
  private boolean asNginx;

  /**
   * The current request gets nginx's answer: over HTTP/2, when the request's end has not come by
   * the time the answer is written, its stream is then reset with NO_ERROR, as nginx does. A user's
   * client gets no such reset, which could cost it an answer it has not read yet.
   */
  void answerAsNginx() {
    asNginx = true;
  }

  private boolean keepAlive;
  private boolean head;
  private final RequestBody body = new RequestBody();
  private Runnable onBodyEnd;
  private Consumer<Object> sink;
  private boolean sinkReads;
  private Channel outbound;
  private Future<?> headTimer;

  Exchange(RelayContext rc, ChannelHandlerContext ctx, Consumer<HttpRequest> onRequest) {
    this.rc = rc;
    this.ctx = ctx;
    this.onRequest = onRequest;
    this.record = new ConnectionRecord(rc.logDestinations());
    ctx.channel().closeFuture().addListener(f -> record.log());
  }

  RelayContext rc() {
    return rc;
  }

  ChannelHandlerContext ctx() {
    return ctx;
  }

  ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  ConnectionRecord record() {
    return record;
  }

  // ---- connection events, from the front handler ----

  void active() {
    armHeadTimer(rc.requestTimeoutMillis());
    ctx.read();
  }

  void offer(Object msg) {
    if (state == State.CLOSED) {
      ReferenceCountUtil.release(msg);
      return;
    }
    queue.add(msg);
    drain();
  }

  void inactive() {
    state = State.CLOSED;
    stopHeadTimer();
    releaseQueue();
    if (outbound != null) {
      Channels.closeOnFlush(outbound);
    }
  }

  void failed(Throwable cause) {
    // TLS failures (garbage, a handshake timeout, an unknown protocol) land here: close quietly.
    log.debug("connection closed: {}", cause.toString());
    record.result("error", null);
    close();
  }

  // ---- the queue ----

  /** Hands queued messages on while nothing is in progress, then asks for the next read. */
  void drain() {
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
        && (state == State.REQUEST
            || state == State.BODY
            || (state == State.STREAM && sinkReads))) {
      ctx.read();
    }
  }

  private void dispatch(Object m) {
    switch (state) {
      case REQUEST -> {
        if (m instanceof HttpRequest r) {
          stopHeadTimer();
          requestEnded = m instanceof LastHttpContent;
          asNginx = false;
          onRequest.accept(r);
          if (m instanceof LastHttpContent && state == State.BODY) {
            endBody(); // a full request (a decoder failure) carries its own end
          }
        }
        ReferenceCountUtil.release(m);
      }
      case BODY -> readBody(m);
      case STREAM -> sink.accept(m);
      default -> ReferenceCountUtil.release(m);
    }
  }

  /** Whether messages wait in the queue (bytes that came behind a request, say). */
  boolean hasQueued() {
    return !queue.isEmpty();
  }

  /** Nothing is dispatched until {@link #stream} or a response lets the queue move again. */
  void pause() {
    state = State.WAITING;
  }

  boolean paused() {
    return state == State.WAITING;
  }

  /**
   * From now on every message goes to {@code sink}, which owns it. With {@code reads}, the next
   * read is asked for whenever the queue runs dry; without, whoever reads next is someone else.
   */
  void stream(Consumer<Object> sink, boolean reads) {
    this.sink = sink;
    this.sinkReads = reads;
    state = State.STREAM;
  }

  // ---- the current request ----

  /** Notes what the response to {@code r} depends on: keep-alive and HEAD. */
  void begin(HttpRequest r) {
    keepAlive = keptAlive(r) && ++requests < MAX_REQUESTS;
    head = r.method().equals(HttpMethod.HEAD);
  }

  /**
   * Whether a request asks for its connection to stay open, as nginx reads it: each Connection
   * header in turn says close if it holds "close" anywhere, in any case, and keep-alive if it holds
   * "keep-alive" (so "Connection: close\u0001" and "Connection: foo-close" close, where a
   * token-by-token reading would not). Without either, HTTP/1.1 stays open and HTTP/1.0 closes.
   */
  static boolean keptAlive(HttpRequest r) {
    Boolean close = null;
    for (String v : r.headers().getAll(HttpHeaderNames.CONNECTION)) {
      String lower = v.toLowerCase(java.util.Locale.ROOT);
      if (lower.contains("close")) {
        close = Boolean.TRUE;
      } else if (lower.contains("keep-alive")) {
        close = Boolean.FALSE;
      }
    }
    if (close != null) {
      return !close;
    }
    return r.protocolVersion().isKeepAliveDefault();
  }

  boolean keepAlive() {
    return keepAlive;
  }

  boolean head() {
    return head;
  }

  /** Reads (and discards or collects) the current request's body, then runs {@code then}. */
  void expectBody(boolean collect, Runnable then) {
    body.reset(collect);
    onBodyEnd = then;
    state = State.BODY;
  }

  /** The body collected by {@code expectBody(true, …)}. */
  byte[] collected() {
    return body.collected();
  }

  private void readBody(Object m) {
    if (!(m instanceof HttpContent c)) {
      ReferenceCountUtil.release(m);
      close();
      return;
    }
    requestEnded = m instanceof LastHttpContent;
    RequestBody.Verdict v = body.add(c.content(), requestEnded);
    c.release();
    switch (v) {
      case TOO_LARGE ->
          respond(
              HttpResponses.error(
                  alloc(), HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, false, false),
              false);
      case DONE -> endBody();
      case MORE -> {}
    }
  }

  private void endBody() {
    Runnable r = onBodyEnd;
    onBodyEnd = null;
    state = State.WAITING;
    r.run();
  }

  // ---- answers ----

  /** A plain-text answer for an authenticated user; {@code again} keeps the connection open. */
  void respondToUser(HttpResponseStatus status, String text, boolean again) {
    FullHttpResponse resp = HttpResponses.forUser(alloc(), status, text);
    if (again && keepAlive) {
      resp.headers().set("Connection", "keep-alive");
    }
    respond(resp, again && keepAlive);
  }

  /** Writes a response; then either the next request is read or the connection closes. */
  void respond(FullHttpResponse resp, boolean again) {
    if (state == State.CLOSED) {
      resp.release();
      return;
    }
    state = State.WAITING;
    if (RequestGuard.http09(ctx)) {
      // HTTP/0.9: the body alone, then the close.
      ChannelHandlerContext below = ctx.pipeline().context(HttpResponseEncoder.class);
      ByteBuf content = resp.content().retain();
      resp.release();
      below.writeAndFlush(content).addListener(f -> closeLingering());
      return;
    }
    ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> written(f, again));
  }

  /**
   * Writes a response's head, then its body's parts (contents, and files read as the client takes
   * them, so a client that does not read holds no more than a chunk in memory); then either the
   * next request is read or the connection closes.
   */
  void respond(FullHttpResponse resp, boolean again, List<Object> body) {
    if (state == State.CLOSED) {
      resp.release();
      body.forEach(Exchange::discard);
      return;
    }
    state = State.WAITING;
    if (ctx.pipeline().get(ChunkedWriteHandler.class) == null) {
      if (ctx.pipeline().get("http-encoder") != null) {
        ctx.pipeline().addBefore("http-encoder", "chunked", new ChunkedWriteHandler());
      } else {
        // An HTTP/2 stream: the chunks are made HTTP contents, which its codec makes DATA frames;
        // the last of them ends the stream.
        ctx.pipeline().addAfter(Http2Front.CONTENTS, "chunked", new ChunkedWriteHandler());
        if (ctx.pipeline().get(LastDataEndsStream.class) == null) {
          ctx.pipeline().addBefore(Http2Front.STREAM_CODEC, "h2-last", new LastDataEndsStream());
        }
      }
    }
    if (RequestGuard.http09(ctx)) {
      ChannelHandlerContext below = ctx.pipeline().context(HttpResponseEncoder.class);
      resp.release();
      for (Object p : body) {
        below.write(p instanceof HttpContent c ? c.content() : p);
      }
      below.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeLingering());
      return;
    }
    ctx.write(new DefaultHttpResponse(resp.protocolVersion(), resp.status(), resp.headers()));
    resp.release();
    for (Object p : body) {
      ctx.write(p);
    }
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess() && ctx.pipeline().get("chunked") != null) {
                    ctx.pipeline().remove("chunked"); // all written: a tunnel need not pass it
                  }
                  written(f, again);
                });
  }

  private void written(ChannelFuture f, boolean again) {
    if (!f.isSuccess()) {
      close();
      return;
    }
    if (asNginx && !requestEnded && ctx.channel() instanceof Http2StreamChannel stream) {
      // Answered before the request's end came: nginx resets the stream with NO_ERROR, which
      // tells the client to send no more of it. Written on the connection, which sends it even
      // when the client's end has closed the stream meanwhile, as nginx does.
      stream
          .parent()
          .writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR).stream(stream.stream()));
    }
    if (!again) {
      closeLingering();
      return;
    }
    nextRequest();
  }

  /** Lets go of a body part that will not be written. */
  static void discard(Object part) {
    if (part instanceof ChunkedInput<?> in) {
      try {
        in.close();
      } catch (Exception e) {
        log.debug("closing a body part", e);
      }
    } else {
      ReferenceCountUtil.safeRelease(part);
    }
  }

  /** The current exchange is over and the connection stays open: read the next request. */
  void nextRequest() {
    if (state == State.WAITING) {
      state = State.REQUEST;
      guardNextRequest();
      armHeadTimer(rc.keepAliveTimeoutMillis());
      drain();
    }
  }

  /**
   * Reads the next request of a kept-alive HTTP/1.1 connection as nginx reads it, as the first was:
   * the {@link RequestGuard} wakes when the decoder stands between two requests. A request already
   * decoded or begun (pipelined behind the last) is the decoder's alone.
   */
  private void guardNextRequest() {
    RequestGuard guard = ctx.pipeline().get(RequestGuard.class);
    RequestDecoder decoder = ctx.pipeline().get(RequestDecoder.class);
    if (guard != null && decoder != null && queue.isEmpty() && decoder.betweenRequests()) {
      guard.wake();
    }
  }

  /** Runs blocking work on the pool and continues on this connection's event loop. */
  <T> void offLoop(Supplier<T> work, Consumer<T> then) {
    offLoop(rc.blocking(), work, then);
  }

  /**
   * As {@link #offLoop}, but the work of all the streams of one HTTP/2 connection runs one piece
   * after another, in the order asked: so their answers go out in the order the requests came, as
   * nginx writes them. Work on the pool's threads side by side finished in any order, and a prober
   * who asks for several pages at once could see that.
   */
  <T> void offLoopInOrder(Supplier<T> work, Consumer<T> then) {
    Channel connection = ctx.channel().parent();
    if (connection == null) {
      offLoop(work, then); // HTTP/1.1 reads one request at a time
      return;
    }
    Executor inOrder = connection.attr(IN_ORDER).get();
    if (inOrder == null) {
      inOrder = MoreExecutors.newSequentialExecutor(rc.blocking());
      connection.attr(IN_ORDER).set(inOrder);
    }
    offLoop(inOrder, work, then);
  }

  /** A connection's {@link #offLoopInOrder} work, one piece at a time. */
  private static final AttributeKey<Executor> IN_ORDER =
      AttributeKey.valueOf("sidestep.relay.inOrder");

  private <T> void offLoop(Executor pool, Supplier<T> work, Consumer<T> then) {
    state = State.WAITING;
    try {
      pool.execute(
          () -> {
            T result;
            try {
              result = work.get();
            } catch (Throwable e) { // an Error such as OutOfMemoryError too: close, never hang
              log.debug("blocking work failed", e);
              ctx.executor().execute(this::close);
              return;
            }
            ctx.executor()
                .execute(
                    () -> {
                      if (state == State.CLOSED) {
                        return;
                      }
                      try {
                        then.accept(result);
                      } catch (RuntimeException e) {
                        log.debug("request failed", e);
                        close();
                      }
                    });
          });
    } catch (RejectedExecutionException e) {
      respond(
          HttpResponses.error(alloc(), HttpResponseStatus.SERVICE_UNAVAILABLE, false, false),
          false);
    }
  }

  /** The status an authenticated client gets for a failed dial. */
  private static HttpResponseStatus status(DialException.Kind kind) {
    return switch (kind) {
      case REJECTED -> HttpResponseStatus.FORBIDDEN;
      case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case OVERLOADED -> HttpResponseStatus.SERVICE_UNAVAILABLE;
      default -> HttpResponseStatus.BAD_GATEWAY;
    };
  }

  /** The word the connection log uses for a failed dial. */
  private static String result(DialException.Kind kind) {
    return switch (kind) {
      case REJECTED -> "refused";
      case NAME_NOT_RESOLVED -> "dns-failed";
      case TIMEOUT -> "connect-timeout";
      case OVERLOADED -> "overloaded";
      default -> "connect-failed";
    };
  }

  /**
   * The origin channel of a finished dial, remembered so it closes with the client; null when the
   * connection cannot go on (the client has gone, or the user has been told why the dial failed).
   */
  Channel connected(Future<?> f) {
    if (state == State.CLOSED) {
      if (f.isSuccess()) {
        ((Channel) f.getNow()).close();
      }
      return null;
    }
    if (!f.isSuccess()) {
      if (f.cause() instanceof DialException e) {
        record.result(result(e.kind()), e.getMessage());
        respondToUser(status(e.kind()), e.getMessage(), false);
      } else {
        record.result("error", String.valueOf(f.cause()));
        respondToUser(HttpResponseStatus.BAD_GATEWAY, "cannot connect", false);
      }
      return null;
    }
    outbound = (Channel) f.getNow();
    return outbound;
  }

  /**
   * No more waiting for a request head (a request came, the connection ends, or the front left).
   */
  void stopHeadTimer() {
    if (headTimer != null) {
      headTimer.cancel(false);
    }
  }

  /**
   * Slowloris defence, and nginx's keep-alive timeout: the next request head must be complete
   * within {@code millis} (the request timeout for a connection's first request, the keep-alive
   * timeout for later ones), however slowly its bytes trickle in.
   */
  private void armHeadTimer(long millis) {
    stopHeadTimer();
    headTimer =
        ctx.executor()
            .schedule(
                () -> {
                  if (state == State.REQUEST) {
                    record.result("request-timeout", null);
                    close();
                  }
                },
                millis,
                TimeUnit.MILLISECONDS);
  }

  /** Answers before the request's body has been read, then drops the body and closes. */
  void respondBeforeBody(FullHttpResponse resp) {
    if (state == State.CLOSED) {
      resp.release();
      return;
    }
    state = State.CLOSED;
    stopHeadTimer();
    releaseQueue();
    ctx.writeAndFlush(resp).addListener(f -> LingeringClose.drain(ctx.channel()));
  }

  /** Closes after a final response, reading and dropping what the client still sends. */
  private void closeLingering() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    stopHeadTimer();
    releaseQueue();
    LingeringClose.close(ctx.channel());
  }

  void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    stopHeadTimer();
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
