package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Http2Link;
import io.sidestep.core.relay.AccessKey;

/**
 * Completes a relay connection's promise once TLS is up and ALPN chose {@code h2}, then leaves the
 * pipeline. A failed handshake, another protocol, or the connection dying first fails it as the
 * relay's own failure.
 */
final class LinkHandshake extends ChannelInboundHandlerAdapter {

  private final AccessKey key;
  private final Promise<Channel> promise;

  LinkHandshake(AccessKey key, Promise<Channel> promise) {
    this.key = key;
    this.promise = promise;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Http2Link.connection(ctx.channel());
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (!done.isSuccess()) {
        promise.tryFailure(tlsFailure(key, done.cause()));
      } else if (!ApplicationProtocolNames.HTTP_2.equals(
          RelayTls.applicationProtocol(ctx.pipeline()))) {
        promise.tryFailure(
            new DialException(
                DialException.Kind.RELAY_UNAVAILABLE,
                "relay "
                    + describe(key)
                    + " does not speak HTTP/2 (ALPN: "
                    + RelayTls.applicationProtocol(ctx.pipeline())
                    + "; expected: h2); is it an older version?"));
      } else {
        ctx.pipeline().remove(this);
        promise.trySuccess(ctx.channel());
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    promise.tryFailure(
        new DialException(
            DialException.Kind.RELAY_UNAVAILABLE,
            "relay " + describe(key) + " closed the connection during TLS"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    promise.tryFailure(relayFailure(key, cause));
  }

  static String describe(AccessKey key) {
    return "'" + key.label() + "' at " + key.relay();
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
}
