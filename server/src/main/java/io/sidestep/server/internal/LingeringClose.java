package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection after a final response the way nginx's lingering close does: TLS
 * close_notify, then a FIN, then whatever the client still sends is read and dropped until it
 * closes its side or {@value #LINGER_MILLIS} ms pass. Closing at once with unread input would send
 * a reset, and the client could lose the response it has not read yet.
 */
final class LingeringClose {
  private LingeringClose() {}

  /** nginx's {@code lingering_timeout}. */
  static final long LINGER_MILLIS = 5_000;

  /**
   * For an answer sent before the request's body (413): nginx keeps reading and dropping the body
   * without closing its side, then closes once {@value #LINGER_MILLIS} ms have passed.
   */
  static void drain(Channel ch) {
    ch.config().setAutoRead(true);
    ch.eventLoop().schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
  }

  static void close(Channel ch) {
    if (!(ch instanceof DuplexChannel duplex) || !ch.isActive()) {
      ch.close();
      return;
    }
    SslHandler tls = ch.pipeline().get(SslHandler.class);
    ChannelFuture notified = tls != null ? tls.closeOutbound() : ch.newSucceededFuture();
    notified.addListener(
        f ->
            duplex
                .shutdownOutput()
                .addListener(
                    s -> {
                      if (!s.isSuccess()) {
                        ch.close();
                        return;
                      }
                      ch.config().setAutoRead(true);
                      ch.eventLoop()
                          .schedule(() -> ch.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
                    }));
  }
}
