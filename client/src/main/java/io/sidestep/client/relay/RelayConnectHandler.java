package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.dial.Dialer;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Once TLS is up, asks the relay for a tunnel with {@code CONNECT host:port} and Basic credentials,
 * and reads its answer (size-limited by the HTTP codec before it). On 200 it takes the codec and
 * itself out of the pipeline, leaving a raw tunnel (with {@link FirstFlightPadding} when the relay
 * agreed to pad); otherwise it fails the promise with what the status means and closes.
 */
final class RelayConnectHandler extends ChannelInboundHandlerAdapter {

  private final AccessKey key;
  private final Destination destination;
  private final Promise<Channel> promise;

  /** How long to wait for the CONNECT answer once TLS is up: longer than the relay's 10 s. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);

  private final Duration timeout;
  private ScheduledFuture<?> timer;

  RelayConnectHandler(
      AccessKey key, Destination destination, Promise<Channel> promise, Duration timeout) {
    this.key = key;
    this.destination = destination;
    this.promise = promise;
    this.timeout = timeout;
  }

  private String relay() {
    return describe(key);
  }

  private static String describe(AccessKey key) {
    return "'" + key.label() + "' at " + key.relay();
  }

  /**
   * The CONNECT request for {@code destination}, without credentials, offering to pad the tunnel's
   * first flights ({@link FirstFlightPadding}).
   */
  private static FullHttpRequest request(Destination destination) {
    String authority = destination.authority();
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, authority);
    request.headers().set(HttpHeaderNames.HOST, authority);
    request.headers().set(FirstFlightPadding.HEADER, FirstFlightPadding.filler());
    return request;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    timer =
        ctx.executor()
            .schedule(
                () ->
                    fail(
                        ctx,
                        new DialException(
                            DialException.Kind.TIMEOUT,
                            "relay "
                                + relay()
                                + ": no answer within "
                                + timeout.toMillis()
                                + " ms")),
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    ctx.read(); // AUTO_READ is off: drive the TLS handshake
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (!done.isSuccess()) {
        fail(ctx, tlsFailure(key, done.cause()));
        return;
      }
      // The relay is up. From here the wait is for its verdict on the destination, which can
      // take as long as the relay's own connect timeout (10 s by default): a late answer means the
      // destination is slow or down, not that the relay is, so it must not fail the relay over.
      timer.cancel(false);
      timer =
          ctx.executor()
              .schedule(
                  () ->
                      fail(
                          ctx,
                          new DialException(
                              DialException.Kind.RELAY_UNREACHABLE_DESTINATION,
                              "relay "
                                  + relay()
                                  + ": no answer about "
                                  + destination
                                  + " within "
                                  + ANSWER_TIMEOUT.toMillis()
                                  + " ms")),
                  ANSWER_TIMEOUT.toMillis(),
                  TimeUnit.MILLISECONDS);
      FullHttpRequest request = request(destination);
      String basic =
          Base64.getEncoder()
              .encodeToString((key.user() + ":" + key.token()).getBytes(StandardCharsets.UTF_8));
      request.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, "Basic " + basic);
      ctx.writeAndFlush(request)
          .addListener(
              f -> {
                if (f.isSuccess()) {
                  ctx.read();
                } else {
                  fail(ctx, relayFailure(key, f.cause()));
                }
              });
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** A failure of the TLS handshake with the relay: the relay's own. */
  static DialException tlsFailure(AccessKey key, Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof PinnedTrustManager.PinMismatchException) {
        return new DialException(
            DialException.Kind.RELAY_UNAVAILABLE, "refusing relay: " + c.getMessage(), cause);
      }
      if (c instanceof java.security.cert.CertificateException) {
        // Our trust manager's own words (the name it wanted, the names it saw), not the TLS
        // library's "bad_certificate" around them.
        return new DialException(
            DialException.Kind.RELAY_UNAVAILABLE,
            "relay " + describe(key) + ": certificate refused: " + c.getMessage(),
            cause);
      }
    }
    String why =
        cause instanceof java.nio.channels.ClosedChannelException || cause.getMessage() == null
            ? "the connection closed during the handshake ("
                + cause.getClass().getSimpleName()
                + ")"
            : cause.getMessage();
    return new DialException(
        DialException.Kind.RELAY_UNAVAILABLE,
        "relay " + describe(key) + ": TLS handshake failed: " + why,
        cause);
  }

  /** The header in which a relay says why it refused the user (a limit, an expiry). */
  static final String REFUSED_HEADER = "Sidestep-Refused";

  private static String abbreviate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "..." : s;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (promise.isDone()) {
      // Bytes after the 200 (the codec passes them through once it is done): keep for the splice.
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (!(msg instanceof HttpResponse response)) {
        return;
      }
      if (response.decoderResult().isFailure()) {
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_UNAVAILABLE,
                "relay "
                    + relay()
                    + ": answer is not HTTP: "
                    + response.decoderResult().cause().getMessage()));
        return;
      }
      int status = response.status().code();
      if (status == 200) {
        succeed(ctx, response.headers().contains(FirstFlightPadding.HEADER));
      } else if (status == 403 && response.headers().contains(REFUSED_HEADER)) {
        // The relay refused the user, not the destination: over a limit, expired, too many
        // connections. Its reason is shown as it came (escaped: it is the relay's text).
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_UNAVAILABLE,
                "relay "
                    + relay()
                    + " refused user '"
                    + key.user()
                    + "': "
                    + io.sidestep.core.net.Printable.escape(
                        abbreviate(response.headers().get(REFUSED_HEADER)))));
      } else if (status == 403) {
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_REFUSED,
                "relay " + relay() + " refused " + destination + " (403: its destination policy)"));
      } else if (status == 502 || status == 504) {
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_UNREACHABLE_DESTINATION,
                "relay " + relay() + " could not reach " + destination + " (" + status + ")"));
      } else {
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_UNAVAILABLE,
                "relay "
                    + relay()
                    + " did not accept the access key: it answered "
                    + response.status()
                    + " like an ordinary web site (wrong or removed user, or a wrong token)"));
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /** Leaves a raw tunnel, padded if the relay said so in its 200. */
  private void succeed(ChannelHandlerContext ctx, boolean padded) {
    timer.cancel(false);
    ctx.channel().attr(Dialer.VIA).set("relay '" + key.label() + "'");
    String below = ctx.name();
    if (padded) {
      ctx.pipeline().addAfter(below, FirstFlightPadding.NAME, new FirstFlightPadding());
      below = FirstFlightPadding.NAME;
    }
    ctx.pipeline().addAfter(below, HeldBytes.NAME, new HeldBytes());
    // This handler goes first, so that what the codec still holds (bytes the relay sent right
    // behind its 200) flows into the padding, if any, and HeldBytes when the codec goes, rather
    // than into this handler.
    ctx.pipeline().remove(this);
    ctx.pipeline().remove(HttpClientCodec.class);
    Channel channel = ctx.channel();
    // Completed in a later task, once the codec (whose decode loop is still running) has handed
    // everything it holds to HeldBytes and left the pipeline.
    channel
        .eventLoop()
        .execute(
            () -> {
              if (!promise.trySuccess(channel)) {
                channel.close();
              }
            });
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!promise.isDone()) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(
        ctx,
        new DialException(
            DialException.Kind.RELAY_UNAVAILABLE,
            "relay " + relay() + " closed the connection before answering the CONNECT"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, relayFailure(key, cause));
  }

  /**
   * A failure on the connection to the relay: TLS or I/O (the relay's connection died) is the
   * relay's; anything else happened here and is not.
   */
  static DialException relayFailure(AccessKey key, Throwable cause) {
    if (cause instanceof io.netty.handler.codec.DecoderException
        && cause.getCause() instanceof javax.net.ssl.SSLException) {
      return tlsFailure(key, cause.getCause());
    }
    DialException e = DialException.of(cause, "relay " + describe(key));
    return cause instanceof java.io.IOException
        ? new DialException(DialException.Kind.RELAY_UNAVAILABLE, e.getMessage(), cause)
        : e;
  }

  private void fail(ChannelHandlerContext ctx, DialException e) {
    if (timer != null) {
      timer.cancel(false);
    }
    if (promise.tryFailure(e)) {
      ctx.close();
    }
  }
}
