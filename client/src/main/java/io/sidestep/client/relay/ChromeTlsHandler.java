package io.sidestep.client.relay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;

/**
 * TLS to a relay with a Chrome-shaped hello ({@link ChromeHello}), through Bouncy Castle's
 * non-blocking {@link ChromeTlsClient.Protocol}: bytes from the network go in, decrypted bytes go
 * up as {@link ByteBuf}s; writes from above wait for the handshake and then go out encrypted. Like
 * Netty's {@code SslHandler}, it fires one {@link SslHandshakeCompletionEvent} (success, or the
 * failure: a refused certificate, an alert, a timeout, the connection closing), reads on its own
 * while the handshake runs even with auto-read off, sends close_notify on close, and on the relay's
 * close_notify fires {@link SslCloseCompletionEvent#SUCCESS} without closing. The protocol chosen
 * by ALPN is {@link #applicationProtocol()} once the handshake is done.
 */
final class ChromeTlsHandler extends ChannelDuplexHandler {

  private final ChromeTlsClient client;
  private final ChromeTlsClient.Protocol protocol;
  private final long handshakeTimeoutMillis;
  private final byte[] scratch = new byte[16 * 1024];
  private ChannelHandlerContext ctx;
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private io.netty.buffer.CompositeByteBuf queued; // written since the last flush
  private final List<ChannelPromise> queuedPromises = new ArrayList<>();
  private ScheduledFuture<?> timer;
  private boolean started;
  private boolean handshakeDone;
  private boolean justCompleted;
  private boolean failed;
  private boolean firedRead;
  private boolean closeNotified;
  private volatile String applicationProtocol;

  /**
   * @param sniHost the server_name to send, or null for none
   * @param trust checks the relay's certificate chain
   */
  ChromeTlsHandler(String sniHost, X509TrustManager trust, long handshakeTimeoutMillis) {
    this.client = new ChromeTlsClient(sniHost, trust, c -> justCompleted = true);
    this.protocol = client.new Protocol();
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
  }

  /** The protocol ALPN chose ({@code h2}, {@code http/1.1}), or null before or without one. */
  String applicationProtocol() {
    return applicationProtocol;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (started) {
      return;
    }
    started = true;
    if (handshakeTimeoutMillis > 0) {
      timer =
          ctx.executor()
              .schedule(
                  () -> {
                    if (!handshakeDone) {
                      fail(
                          ctx,
                          new SslHandshakeTimeoutException(
                              "handshake timed out after " + handshakeTimeoutMillis + "ms"));
                    }
                  },
                  handshakeTimeoutMillis,
                  TimeUnit.MILLISECONDS);
    }
    try {
      protocol.connect(client);
    } catch (IOException | RuntimeException e) {
      fail(ctx, e);
      return;
    }
    writeOutput(ctx, ctx.newPromise());
    ctx.flush();
    if (!ctx.channel().config().isAutoRead()) {
      ctx.read();
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    try {
      if (failed || protocol.isClosed()) {
        return;
      }
      while (in.isReadable()) {
        int n = Math.min(in.readableBytes(), scratch.length);
        in.readBytes(scratch, 0, n);
        protocol.offerInput(scratch, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      fail(ctx, e);
      return;
    } finally {
      in.release();
    }
    if (protocol.getAvailableOutputBytes() > 0) {
      writeOutput(ctx, ctx.newPromise());
      ctx.flush();
    }
    if (justCompleted) {
      justCompleted = false;
      handshakeDone = true;
      applicationProtocol = client.applicationProtocol();
      if (timer != null) {
        timer.cancel(false);
      }
      ctx.fireUserEventTriggered(SslHandshakeCompletionEvent.SUCCESS);
      if (!pending.isEmpty()) {
        for (Pending p; (p = pending.poll()) != null; ) {
          write(ctx, p.buf, p.promise);
        }
        flush(ctx);
      }
    }
    int available;
    while ((available = protocol.getAvailableInputBytes()) > 0) {
      ByteBuf out = ctx.alloc().directBuffer(available);
      int n = protocol.readInput(out.nioBuffer(0, available), available);
      out.writerIndex(n);
      firedRead = true;
      ctx.fireChannelRead(out);
    }
    if (protocol.isClosed() && !closeNotified) {
      // The relay sent close_notify (answered already, above). As Netty's SslHandler does, say so
      // and leave the connection to its TCP close or to the handlers above: closing it here would
      // tear the pipeline down under a reader that has not yet taken what it was given.
      closeNotified = true;
      ctx.fireUserEventTriggered(SslCloseCompletionEvent.SUCCESS);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // While the handshake runs, or when nothing came through for a read asked from above, read
    // on: with auto-read off nobody else would.
    if (!ctx.channel().config().isAutoRead() && (!handshakeDone || !firedRead)) {
      ctx.read();
    }
    if (firedRead) {
      firedRead = false;
      ctx.fireChannelReadComplete();
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!(msg instanceof ByteBuf buf)) {
      ReferenceCountUtil.release(msg);
      promise.setFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class));
      return;
    }
    if (failed) {
      buf.release();
      promise.setFailure(new ClosedChannelException());
      return;
    }
    if (!handshakeDone) {
      pending.add(new Pending(buf, promise));
      return;
    }
    // Kept until the flush, then sealed together: what is written between two flushes (an HTTP/2
    // frame's header and its payload, say) goes out in full records, as a browser's TLS sends it,
    // not a small record per write.
    if (queued == null) {
      queued = ctx.alloc().compositeBuffer(64);
    }
    queued.addComponent(true, buf);
    if (!promise.isVoid()) {
      queuedPromises.add(promise);
    }
    if (queued.readableBytes() >= 4 * scratch.length) {
      seal(ctx); // a large write need not wait for its flush to be sealed
    }
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    seal(ctx);
    ctx.flush();
  }

  /** Seals what was written since the last flush into records, in pieces of at most 16 KiB. */
  private void seal(ChannelHandlerContext ctx) {
    ByteBuf all = queued;
    if (all == null) {
      return;
    }
    queued = null;
    List<ChannelPromise> promises = new ArrayList<>(queuedPromises);
    queuedPromises.clear();
    try {
      while (all.isReadable()) {
        int n = Math.min(all.readableBytes(), scratch.length);
        all.readBytes(scratch, 0, n);
        protocol.writeApplicationData(scratch, 0, n);
      }
    } catch (IOException | RuntimeException e) {
      promises.forEach(p -> p.tryFailure(e));
      fail(ctx, e);
      return;
    } finally {
      all.release();
    }
    ChannelPromise written = ctx.newPromise();
    if (!promises.isEmpty()) {
      written.addListener(
          f -> {
            for (ChannelPromise p : promises) {
              if (f.isSuccess()) {
                p.trySuccess();
              } else {
                p.tryFailure(f.cause());
              }
            }
          });
    }
    writeOutput(ctx, written);
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
    failPending(new ClosedChannelException());
    if (started && !failed && !protocol.isClosed()) {
      seal(ctx); // what was written before the close goes before the close_notify
      try {
        protocol.close(); // close_notify
      } catch (IOException e) {
        // closing anyway
      }
      writeOutput(ctx, ctx.newPromise());
      ctx.flush();
    }
    ctx.close(promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (timer != null) {
      timer.cancel(false);
    }
    failPending(new ClosedChannelException());
    if (started && !handshakeDone && !failed) {
      failed = true;
      ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(new ClosedChannelException()));
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    failPending(new ClosedChannelException());
  }

  private void failPending(Throwable cause) {
    for (Pending p; (p = pending.poll()) != null; ) {
      p.buf.release();
      p.promise.tryFailure(cause);
    }
    if (queued != null) {
      queued.release();
      queued = null;
    }
    queuedPromises.forEach(p -> p.tryFailure(cause));
    queuedPromises.clear();
  }

  private record Pending(ByteBuf buf, ChannelPromise promise) {}

  /** Writes what the protocol has to send (records, alerts) as one buffer. */
  private void writeOutput(ChannelHandlerContext ctx, ChannelPromise promise) {
    int n = protocol.getAvailableOutputBytes();
    if (n == 0) {
      ctx.write(Unpooled.EMPTY_BUFFER, promise);
      return;
    }
    ByteBuf out = ctx.alloc().directBuffer(n);
    int read = protocol.readOutput(out.nioBuffer(0, n), n);
    out.writerIndex(read);
    ctx.write(out, promise);
  }

  private void fail(ChannelHandlerContext ctx, Throwable cause) {
    if (failed) {
      return;
    }
    failed = true;
    if (timer != null) {
      timer.cancel(false);
    }
    failPending(cause);
    if (protocol.getAvailableOutputBytes() > 0) {
      writeOutput(ctx, ctx.newPromise()); // the alert, if any
      ctx.flush();
    }
    if (!handshakeDone) {
      ctx.fireUserEventTriggered(new SslHandshakeCompletionEvent(cause));
    } else {
      ctx.fireExceptionCaught(cause);
    }
    ctx.close();
  }
}
