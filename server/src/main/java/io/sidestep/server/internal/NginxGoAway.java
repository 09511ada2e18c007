package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Connection;
import io.sidestep.core.netty.Http2Link;

/**
 * Shapes the GOAWAY frames a stranger's HTTP/2 connection gets as nginx's: the last stream the
 * relay took, and no debug data. Netty's codec says why in debug data (for example "Unexpected
 * HTTP/1.x request: GET /") and names stream 2^31 - 1 on some errors; nginx sends 8 bytes of
 * payload, with the last stream it processed. A user's connection (see {@link Http2Link#admitted})
 * keeps the codec's frames as they are, for a graceful close's meaning: the handler leaves its
 * pipeline at the first write after the user's request was let in.
 *
 * <p>Sits between TLS and the codec, and reads the bytes the codec writes: Netty's frame writer
 * writes a GOAWAY's 17-byte head and its debug data as two writes.
 */
final class NginxGoAway extends ChannelOutboundHandlerAdapter {

  private static final int HEAD = 9 + 8;
  private static final byte GOAWAY = 7;

  private final Http2Connection connection;
  private final java.util.function.IntSupplier lastSeen;
  private int debugToDrop;

  /**
   * {@code lastSeen}: the last stream a client opened as nginx counts it, which includes one whose
   * HEADERS were refused before the codec took them (see {@link StrangerFrames}).
   */
  NginxGoAway(Http2Connection connection, java.util.function.IntSupplier lastSeen) {
    this.connection = connection;
    this.lastSeen = lastSeen;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (Http2Link.isAdmitted(ctx.channel())) {
      // A user's connection: every byte of its tunnels would pass here and be looked at for
      // nothing.
      ctx.pipeline().remove(this);
      ctx.write(msg, promise);
      return;
    }
    if (msg instanceof ByteBuf buf) {
      if (debugToDrop > 0 && buf.readableBytes() <= debugToDrop) {
        debugToDrop -= buf.readableBytes();
        buf.release();
        promise.setSuccess();
        return;
      }
      int at = buf.readerIndex();
      if (buf.readableBytes() == HEAD
          && buf.getByte(at + 3) == GOAWAY
          && (buf.getInt(at + 5) & 0x7fffffff) == 0) {
        int payload = buf.getUnsignedMedium(at);
        debugToDrop = Math.max(0, payload - 8);
        buf.setMedium(at, 8);
        buf.setInt(
            at + 9,
            Math.max(Math.max(0, connection.remote().lastStreamCreated()), lastSeen.getAsInt()));
      }
    }
    ctx.write(msg, promise);
  }
}
