package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Looks at a new connection's first byte. A TLS handshake record (0x16) gets the {@link SslHandler}
 * put in this handler's place; a plain HTTP request gets the answer nginx gives one sent to its
 * HTTPS port (400, "The plain HTTP request was sent to HTTPS port"); anything else is closed. A
 * connection that sends nothing within the handshake timeout is closed too.
 */
public final class TlsSniffer extends ByteToMessageDecoder {

  /** The largest TLS record (2^14 bytes of data plus expansion). */
  private static final int MAX_RECORD = 16384 + 2048;

  private final SslContext sslContext;
  private final long handshakeTimeoutMillis;
  private io.netty.util.concurrent.Future<?> timeout;
  private boolean decided;

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

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (decided) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (!in.isReadable()) {
      return;
    }
    int first = in.getUnsignedByte(in.readerIndex());
    if (first == 0x16 && in.readableBytes() < 5) {
      return; // wait for the whole record header
    }
    decided = true;
    timeout.cancel(false);
    if (first == 0x16 && plausibleRecordHeader(in)) {
      SslHandler tls = sslContext.newHandler(ctx.alloc());
      tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      ctx.pipeline().replace(this, "tls", tls); // the bytes read so far go on to the new handler
      return;
    }
    in.skipBytes(in.readableBytes());
    if (first == 0x16) {
      ctx.close(); // a record header no TLS client sends: do not wait for its body
    } else if (first >= 'A' && first <= 'Z') {
      ctx.writeAndFlush(
              HttpResponses.rawClose(
                  ctx.alloc(),
                  HttpResponseStatus.BAD_REQUEST,
                  "The plain HTTP request was sent to HTTPS port"))
          .addListener(ChannelFutureListener.CLOSE);
    } else {
      ctx.close();
    }
  }

  /** Version 3.x (SSL 3.0 to TLS 1.3) and a length a handshake record can have. */
  private static boolean plausibleRecordHeader(ByteBuf in) {
    int i = in.readerIndex();
    int major = in.getUnsignedByte(i + 1);
    int minor = in.getUnsignedByte(i + 2);
    int length = in.getUnsignedShort(i + 3);
    return major == 3 && minor <= 4 && length > 0 && length <= MAX_RECORD;
  }
}
