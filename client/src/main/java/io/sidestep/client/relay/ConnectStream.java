package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.dial.Dialer;
import io.sidestep.client.dial.EarlyData;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Asks the relay for a tunnel on a new HTTP/2 stream: {@code CONNECT} with {@code :authority
 * host:port} and Basic credentials (RFC 9113 §8.5), and reads the answer's status. On 200 it leaves
 * the stream to the tunnel (bytes arriving meanwhile wait in a {@link HeldBytes}); otherwise it
 * fails the promise with what the status means and resets the stream.
 */
final class ConnectStream extends ChannelInboundHandlerAdapter {

  /** How long to wait for the CONNECT answer: longer than the relay's 10 s connect timeout. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);

  /**
   * How long, at most, the CONNECT of a fast open waits for the user's first bytes to go out in one
   * record with them: {@value} ms. Only a protocol in which the server speaks first waits that
   * long.
   */
  static final long FIRST_BYTES_WAIT_MS = 2;

  private final AccessKey key;
  private final Destination destination;
  private final Promise<Channel> promise;
  private final EarlyData early; // may be null
  private final AtomicBoolean relayPads;
  private boolean offered;
  private boolean padEarly;
  private ScheduledFuture<?> timer;

  /**
   * @param early the user's bytes to send behind the CONNECT (the fast open), or null
   * @param relayPads whether this relay's last answer accepted padding: then the early bytes go
   *     padded at once; learned from every answer
   */
  ConnectStream(
      AccessKey key,
      Destination destination,
      Promise<Channel> promise,
      EarlyData early,
      AtomicBoolean relayPads) {
    this.key = key;
    this.destination = destination;
    this.promise = promise;
    this.early = early;
    this.relayPads = relayPads;
  }

  /**
   * Sets up a new stream {@code ch} for a tunnel: bytes as DATA frames ({@link StreamBytes}) and
   * this handler to ask for it. The stream is half-closable from the start: an answer that ends at
   * once (END_STREAM right behind its bytes, before the splice has taken over) is held with its end
   * rather than taken for a close that would drop the bytes held with it.
   */
  static void install(
      Channel ch,
      AccessKey key,
      Destination destination,
      Promise<Channel> attempt,
      EarlyData early,
      AtomicBoolean relayPads) {
    ch.attr(StreamBytes.HALF_CLOSURE).set(true);
    ch.pipeline()
        .addLast(StreamBytes.NAME, new StreamBytes())
        .addLast(new ConnectStream(key, destination, attempt, early, relayPads));
  }

  private String relay() {
    return LinkHandshake.describe(key);
  }

  static String basic(AccessKey key) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((key.user() + ":" + key.token()).getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    // A late answer means the destination is slow or down, not the relay (a dead relay
    // connection is noticed by its PINGs): this does not fail the relay over.
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
    Http2Headers headers =
        new DefaultHttp2Headers()
            .method("CONNECT")
            .authority(destination.authority())
            .set("proxy-authorization", basic(key));
    offered = offersPadding();
    if (offered) {
      // Used when the relay's 200 offers it too.
      headers.set(PADDING, FirstFlightPadding.filler());
      // A relay that padded last time pads now: the bytes sent before its answer are padded
      // already (below this handler, so that the answer's HEADERS pass it untouched).
      padEarly = early != null && relayPads.get();
      if (padEarly) {
        ctx.pipeline().addBefore(ctx.name(), FirstFlightPadding.NAME, new FirstFlightPadding());
      }
    }
    ChannelFuture written = ctx.write(new DefaultHttp2HeadersFrame(headers));
    if (early != null && (!offered || padEarly)) {
      // The fast open: the user's first bytes follow the CONNECT as DATA on the same stream, in
      // one record with it when they come within FIRST_BYTES_WAIT_MS (they are usually there
      // already, or a moment away: a browser writes as soon as the door answers).
      early.attach(ctx.channel());
      // (A timer left to run out would cost more than the record it saves: the event loop polls
      // without sleeping for the last half millisecond before a timer.)
      Channel stream = ctx.channel();
      ScheduledFuture<?> wait =
          stream
              .eventLoop()
              .schedule(() -> stream.flush(), FIRST_BYTES_WAIT_MS, TimeUnit.MILLISECONDS);
      written.addListener(f -> wait.cancel(false));
    } else {
      ctx.flush();
    }
    written.addListener(
        f -> {
          if (f.isSuccess()) {
            ctx.read();
          } else {
            fail(ctx, LinkHandshake.relayFailure(key, f.cause()));
          }
        });
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (promise.isDone()) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (msg instanceof Http2HeadersFrame answer) {
        answered(ctx, answer.headers());
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  /**
   * The system property that stops the client from offering padding ({@code
   * -Dsidestep.padding=false}); it offers it by default.
   */
  static final String PADDING_PROPERTY = "sidestep.padding";

  static boolean offersPadding() {
    return !"false".equalsIgnoreCase(System.getProperty(PADDING_PROPERTY));
  }

  /** {@link FirstFlightPadding#HEADER} as HTTP/2 writes header names. */
  static final String PADDING = FirstFlightPadding.H2_HEADER;

  /** The header in which a relay says why it refused the user (a limit, an expiry). */
  static final String REFUSED_HEADER = "sidestep-refused";

  private void answered(ChannelHandlerContext ctx, Http2Headers headers) {
    int status;
    try {
      status = Integer.parseInt(String.valueOf(headers.status()));
    } catch (NumberFormatException e) {
      status = -1;
    }
    if (status == 200) {
      timer.cancel(false);
      boolean pads = headers.contains(PADDING);
      if (offered) {
        if (!io.sidestep.core.relay.SpeedSample.is(destination)) {
          relayPads.set(pads); // (a speed sample is never padded: it says nothing of tunnels)
        }
      }
      if (padEarly && !pads) {
        // Our first bytes went padded and the relay will not take them apart: this tunnel is
        // lost (the next one asks first). Only a relay that stopped padding since its last
        // answer does this.
        fail(
            ctx,
            new DialException(
                DialException.Kind.RELAY_UNREACHABLE_DESTINATION,
                "relay "
                    + relay()
                    + " stopped padding; the tunnel to "
                    + destination
                    + " is given up"));
        return;
      }
      ctx.channel().attr(Dialer.VIA).set("relay '" + key.label() + "'");
      ctx.pipeline().addAfter(ctx.name(), HeldBytes.NAME, new HeldBytes());
      if (pads && !padEarly) {
        // Between the stream's bytes and the tunnel: the first flights each way are padded.
        ctx.pipeline().addAfter(ctx.name(), FirstFlightPadding.NAME, new FirstFlightPadding());
      }
      ctx.pipeline().remove(this);
      if (!promise.trySuccess(ctx.channel())) {
        ctx.channel().close();
      }
    } else if (status == 403 && headers.contains(REFUSED_HEADER)) {
      // The relay refused the user, not the destination: over a limit, expired, too many
      // connections. Its reason is shown as it came (escaped: it is the relay's text).
      CharSequence reason = headers.get(REFUSED_HEADER);
      String text = reason.length() > 200 ? reason.subSequence(0, 200) + "..." : reason.toString();
      fail(
          ctx,
          new DialException(
              DialException.Kind.RELAY_UNAVAILABLE,
              "relay "
                  + relay()
                  + " refused user '"
                  + key.user()
                  + "': "
                  + io.sidestep.core.net.Printable.escape(text)));
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
                  + headers.status()
                  + " like an ordinary web site (wrong or removed user, or a wrong token)"));
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (!promise.isDone()) {
      ctx.read();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !promise.isDone()) {
      fail(
          ctx,
          new DialException(
              DialException.Kind.RELAY_UNAVAILABLE,
              "relay " + relay() + " ended the stream before answering the CONNECT"));
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    fail(
        ctx,
        new DialException(
            DialException.Kind.RELAY_UNAVAILABLE,
            "relay " + relay() + " ended the stream before answering the CONNECT"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, LinkHandshake.relayFailure(key, cause));
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
