package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.detect.DirectOutcome.ConnectFailure;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.net.Failure;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.netty.HeldBytes;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * A TLS handshake of the client's own, to see what a destination presents: the certificate chain
 * (accepted whatever it is, and judged afterwards by {@link
 * io.sidestep.core.detect.InterceptionCheck}) and how the handshake went (a reset, an EOF or
 * silence before the first byte are {@link io.sidestep.core.detect.Technique#TLS_RESET} and {@link
 * io.sidestep.core.detect.Technique#TLS_SILENCE}). Used on a direct connection, and through a relay
 * tunnel for the control.
 */
public final class TlsProbe {
  private TlsProbe() {}

  /** How a probe handshake ended. */
  public sealed interface Result {}

  /** The handshake completed; {@code chain} is leaf first. */
  public record Done(List<X509Certificate> chain, Duration took) implements Result {}

  /**
   * The TCP connect failed ({@code failure} null when it was not a timeout, refusal or
   * unreachable).
   */
  public record ConnectFailed(ConnectFailure failure, String detail) implements Result {}

  /** The connection failed during the handshake, after {@code bytesRead} bytes. */
  public record Failed(StreamFailure failure, long bytesRead, String detail, Duration took)
      implements Result {}

  /** Accepts any chain: what is presented is judged afterwards, or (for a download) not at all. */
  static final SslContext TRUST_ALL;

  static {
    try {
      TRUST_ALL =
          SslContextBuilder.forClient()
              // The JDK's engine, whatever the relay link uses: detection reads its handshake
              // failures, and the probe is no bulk transfer.
              .sslProvider(SslProvider.JDK)
              .trustManager(InsecureTrustManagerFactory.INSTANCE)
              .protocols("TLSv1.3", "TLSv1.2")
              .build();
    } catch (SSLException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /**
   * Does the handshake over {@code tunnel}, a connection to the destination, direct or through a
   * relay (which this probe takes over and closes). Silence before the first byte for {@code
   * firstRead} fails as {@link StreamFailure#SILENCE}; the whole handshake gets {@code handshake}.
   */
  public static Future<Result> over(
      Channel tunnel, String sni, int port, Duration firstRead, Duration handshake) {
    Promise<Result> promise = tunnel.eventLoop().newPromise();
    tunnel.config().setAutoRead(true);
    install(tunnel, sni, port, firstRead, handshake, promise, System.nanoTime());
    HeldBytes.passOn(tunnel.pipeline());
    promise.addListener(x -> tunnel.close());
    return promise;
  }

  private static void install(
      Channel ch,
      String sni,
      int port,
      Duration firstRead,
      Duration handshake,
      Promise<Result> promise,
      long start) {
    ch.config().setAutoRead(true);
    SslHandler tls =
        sni == null
            ? TRUST_ALL.newHandler(ch.alloc())
            : TRUST_ALL.newHandler(ch.alloc(), sni, port);
    tls.setHandshakeTimeoutMillis(handshake.toMillis());
    Watch watch = new Watch(promise, tls, firstRead, start);
    ch.pipeline()
        .addLast("probe-watch", watch)
        .addLast("probe-tls", tls)
        .addLast("probe-end", new End(watch));
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /** Counts the bytes under the TLS layer and times the first one. */
  private static final class Watch extends ChannelInboundHandlerAdapter {
    final Promise<Result> promise;
    final SslHandler tls;
    final Duration firstRead;
    final long start;
    long bytes;

    Watch(Promise<Result> promise, SslHandler tls, Duration firstRead, long start) {
      this.promise = promise;
      this.tls = tls;
      this.firstRead = firstRead;
      this.start = start;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      Silence.watch(ctx, firstRead);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!Silence.is(evt)) {
        ctx.fireUserEventTriggered(evt);
      } else if (bytes == 0) {
        Silence.stop(ctx);
        promise.trySuccess(new Failed(StreamFailure.SILENCE, 0, "silence", since(start)));
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        bytes += b.readableBytes();
      }
      if (bytes > 0) {
        Silence.stop(ctx);
      }
      if (promise.isDone()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      ctx.fireChannelRead(msg);
    }

    void failed(Throwable cause, boolean closed) {
      String detail = cause == null ? "closed" : String.valueOf(cause.getMessage());
      StreamFailure f;
      if (closed) {
        f = StreamFailure.EOF;
      } else if (cause instanceof java.io.IOException && !(cause instanceof SSLException)) {
        f = StreamFailure.RESET;
      } else if (bytes == 0) {
        f = StreamFailure.RESET;
      } else {
        // A TLS-level failure after the server answered is not a censor's reset: report it as a
        // handshake that ended, with an empty chain, so that the chain check decides.
        promise.trySuccess(new Done(List.of(), since(start)));
        return;
      }
      promise.trySuccess(new Failed(f, bytes, detail, since(start)));
    }
  }

  /** Sits above TLS: takes the handshake's outcome and swallows application data. */
  private static final class End extends ChannelInboundHandlerAdapter {
    final Watch watch;

    End(Watch watch) {
      this.watch = watch;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent
          && !watch.promise.isDone()) {
        watch.failed(null, true); // the far end finished (a relay stream's END_STREAM) first
        return;
      }
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (done.isSuccess()) {
          List<X509Certificate> chain = new ArrayList<>();
          try {
            for (Certificate c : watch.tls.engine().getSession().getPeerCertificates()) {
              if (c instanceof X509Certificate x) {
                chain.add(x);
              }
            }
          } catch (SSLPeerUnverifiedException e) {
            // no certificate: an empty chain, which the check reports
          }
          watch.promise.trySuccess(new Done(chain, since(watch.start)));
        } else {
          Throwable c = done.cause();
          watch.failed(c, c != null && Failures.kindOf(c) == Failure.EOF);
        }
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ReferenceCountUtil.release(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      watch.failed(cause, false);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (!watch.promise.isDone()) {
        watch.failed(null, true);
      }
    }
  }
}
