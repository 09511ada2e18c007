package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Looks at a new connection's first byte, as nginx does on its TLS port. A TLS record (0x16) or an
 * SSLv2 hello (high bit set) gets the {@link SslHandler} put in this handler's place, so the TLS
 * library answers whatever follows. Anything else is read as plain HTTP: the connection is marked
 * {@link #PLAIN} and goes on to the HTTP decoder, where a complete request gets nginx's "The plain
 * HTTP request was sent to HTTPS port" and a malformed one nginx's 400. A connection that sends
 * nothing within the handshake timeout is closed.
 */
public final class TlsSniffer extends ByteToMessageDecoder {

  /** Set on a connection that did not start with TLS. */
  public static final AttributeKey<Boolean> PLAIN = AttributeKey.valueOf("sidestep.plain");

  /** The application protocols the relay speaks, as offered in ALPN, in its order of preference. */
  public static final List<String> PROTOCOLS = List.of("h2", "http/1.1");

  private final SslContext sslContext;
  private final long handshakeTimeoutMillis;
  private io.netty.util.concurrent.Future<?> timeout;

  public TlsSniffer(SslContext sslContext, long handshakeTimeoutMillis) {
    this.sslContext = sslContext;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timeout =
        ctx.executor().schedule(() -> ctx.close(), handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    timeout.cancel(false);
  }

  private SslHandler tls(ChannelHandlerContext ctx) {
    SslHandler tls = sslContext.newHandler(ctx.alloc());
    tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return tls;
  }

  /** The largest TLS record: 2^14 bytes of data plus expansion. */
  private static final int MAX_RECORD = 16384 + 2048;

  /** The longest ClientHello OpenSSL reads. */
  private static final int MAX_CLIENT_HELLO = 131396;

  private static final int RECORD_OVERFLOW = 22;
  private static final int ILLEGAL_PARAMETER = 47;

  /** Whether {@code ctx}'s connection did not start with TLS. */
  public static boolean plain(ChannelHandlerContext ctx) {
    return ctx.channel().hasAttr(PLAIN);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    int first = in.getUnsignedByte(in.readerIndex());
    if (first == 0x16) {
      if (in.readableBytes() < 9) {
        return; // the record and handshake headers decide who reads on
      }
      int i = in.readerIndex();
      int refusal =
          in.getUnsignedShort(i + 3) > MAX_RECORD
              ? RECORD_OVERFLOW
              : in.getUnsignedByte(i + 5) == 1 && in.getUnsignedMedium(i + 6) > MAX_CLIENT_HELLO
                  ? ILLEGAL_PARAMETER
                  : 0;
      if (refusal != 0) {
        // What OpenSSL answers at once; BoringSSL would wait or close without a word.
        in.skipBytes(in.readableBytes());
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {0x15, 3, 3, 0, 2, 2, (byte) refusal}))
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      // The bytes read so far go on to the new handler.
      ctx.pipeline()
          .replace(this, "alpn-gate", new AlpnGate(sslContext, PROTOCOLS, handshakeTimeoutMillis));
      return;
    }
    if ((first & 0x80) != 0) {
      // An SSLv2-framed hello: OpenSSL waits for the whole record before it answers.
      if (in.readableBytes() < 2
          || in.readableBytes() < 2 + (in.getUnsignedShort(in.readerIndex()) & 0x7fff)) {
        return;
      }
      ctx.pipeline().replace(this, "tls", tls(ctx));
      return;
    }
    ctx.channel().attr(PLAIN).set(Boolean.TRUE);
    ctx.pipeline().remove(this); // the bytes read so far go on to the HTTP decoder
  }
}
