package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reads the ClientHello before the TLS library does, for the one thing BoringSSL cannot be told to
 * do through Netty: refuse a client whose ALPN offers none of our protocols with alert 120
 * (no_application_protocol), as OpenSSL under nginx does. Any other hello gets the {@link
 * SslHandler} in this handler's place.
 */
final class AlpnGate extends SslClientHelloHandler<Boolean> {

  /** A TLS 1.2-framed fatal no_application_protocol alert, byte for byte what nginx sends. */
  private static final byte[] NO_APPLICATION_PROTOCOL = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x78};

  private static final int ALPN = 16;

  private final SslContext sslContext;
  private final List<String> protocols;
  private final long handshakeTimeoutMillis;
  private Future<?> timeout;

  AlpnGate(SslContext sslContext, List<String> protocols, long handshakeTimeoutMillis) {
    this.sslContext = sslContext;
    this.protocols = protocols;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timeout =
        ctx.executor().schedule(() -> ctx.close(), handshakeTimeoutMillis, TimeUnit.MILLISECONDS);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    timeout.cancel(false);
    super.handlerRemoved0(ctx);
  }

  @Override
  protected Future<Boolean> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
    return ctx.executor().newSucceededFuture(clientHello == null || acceptable(clientHello));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, Future<Boolean> future) {
    if (Boolean.TRUE.equals(future.getNow())) {
      SslHandler tls = sslContext.newHandler(ctx.alloc());
      tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      ctx.pipeline().replace(this, "tls", tls); // the hello goes on to the TLS library
      return;
    }
    ctx.writeAndFlush(Unpooled.wrappedBuffer(NO_APPLICATION_PROTOCOL))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Whether the hello (from its client_version on) has no ALPN extension or offers one of ours. A
   * hello too short to parse is left to the TLS library to refuse.
   */
  private boolean acceptable(ByteBuf hello) {
    int i = hello.readerIndex() + 34; // client_version, random
    int end = hello.writerIndex();
    try {
      i += 1 + hello.getUnsignedByte(i); // session id
      i += 2 + hello.getUnsignedShort(i); // cipher suites
      i += 1 + hello.getUnsignedByte(i); // compression methods
      int extensionsEnd = Math.min(end, i + 2 + hello.getUnsignedShort(i));
      i += 2;
      while (i + 4 <= extensionsEnd) {
        int type = hello.getUnsignedShort(i);
        int length = hello.getUnsignedShort(i + 2);
        i += 4;
        if (type == ALPN) {
          int listEnd = Math.min(i + 2 + hello.getUnsignedShort(i), i + length);
          for (int p = i + 2; p < listEnd; ) {
            int n = hello.getUnsignedByte(p);
            String name =
                hello.toString(p + 1, Math.min(n, listEnd - p - 1), StandardCharsets.US_ASCII);
            if (protocols.contains(name)) {
              return true;
            }
            p += 1 + n;
          }
          return false;
        }
        i += length;
      }
      return true;
    } catch (IndexOutOfBoundsException e) {
      return true;
    }
  }
}
