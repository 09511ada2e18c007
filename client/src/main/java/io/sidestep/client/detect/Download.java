package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.netty.HeldBytes;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A download of our own over a given channel (a relay tunnel, say), to measure its speed: TLS with
 * the given SNI when asked (certificates are not what is measured), one request, and the bytes from
 * the first one to the close, {@code cap} or {@code total}. Completes with null when nothing came.
 * Takes the channel over and closes it.
 */
final class Download {
  private Download() {}

  static Future<ThrottleJudge.Transfer> over(
      Channel ch, boolean tls, String sni, int port, byte[] request, long cap, Duration total) {
    Promise<ThrottleJudge.Transfer> promise = ch.eventLoop().newPromise();
    Counter counter = new Counter(promise, request, cap, !tls);
    if (tls) {
      SslHandler h =
          sni == null
              ? TlsProbe.TRUST_ALL.newHandler(ch.alloc())
              : TlsProbe.TRUST_ALL.newHandler(ch.alloc(), sni, port);
      ch.pipeline().addLast("download-tls", h);
    }
    ch.pipeline().addLast("download", counter);
    HeldBytes.passOn(ch.pipeline());
    ch.config().setAutoRead(true);
    ScheduledFuture<?> deadline =
        ch.eventLoop().schedule(counter::finish, total.toMillis(), TimeUnit.MILLISECONDS);
    promise.addListener(
        x -> {
          deadline.cancel(false);
          ch.close();
        });
    if (!tls) {
      counter.send(ch);
    }
    return promise;
  }

  private static final class Counter extends ChannelInboundHandlerAdapter {
    private final Promise<ThrottleJudge.Transfer> promise;
    private final byte[] request;
    private final long cap;
    private boolean sent;
    private long bytes;
    private long first;
    private long last;

    Counter(Promise<ThrottleJudge.Transfer> promise, byte[] request, long cap, boolean plain) {
      this.promise = promise;
      this.request = request;
      this.cap = cap;
    }

    void send(Channel ch) {
      if (!sent) {
        sent = true;
        ch.writeAndFlush(Unpooled.wrappedBuffer(request));
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (done.isSuccess()) {
          send(ctx.channel());
        } else {
          finish();
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      long now = System.nanoTime();
      if (msg instanceof ByteBuf b) {
        if (first == 0) {
          first = now;
        }
        last = now;
        bytes += b.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      if (bytes >= cap) {
        finish();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish();
    }

    void finish() {
      promise.trySuccess(
          bytes == 0 || last <= first
              ? null
              : new ThrottleJudge.Transfer(bytes, Duration.ofNanos(last - first)));
    }
  }
}
