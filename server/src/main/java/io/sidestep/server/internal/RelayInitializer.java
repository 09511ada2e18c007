package io.sidestep.server.internal;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * Assembles a client connection's pipeline: idle timeout, TLS sniffing (then TLS), the switch to
 * HTTP/2 when ALPN chose it, the request guard, the HTTP codec with size limits, and the front
 * handler.
 */
public final class RelayInitializer extends ChannelInitializer<SocketChannel> {

  /** Request line limit: an 8 KiB line gets 414, as on nginx. */
  public static final int MAX_INITIAL_LINE = 8 * 1024;

  /**
   * All header lines together: 32 KiB (nginx's four 8 KiB header buffers), beyond which the request
   * gets 400; no line may be longer than {@value #MAX_HEADER_LINE}.
   */
  public static final int MAX_HEADER_SIZE = 32 * 1024;

  /** One header line: 8 KiB, as on nginx. */
  public static final int MAX_HEADER_LINE = 8 * 1024;

  private final SslContext sslContext;
  private final RelayContext rc;
  private final long handshakeTimeoutMillis;
  private final long idleTimeoutMillis;

  public RelayInitializer(
      SslContext sslContext, RelayContext rc, long handshakeTimeoutMillis, long idleTimeoutMillis) {
    this.sslContext = sslContext;
    this.rc = rc;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    this.idleTimeoutMillis = idleTimeoutMillis;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ch.pipeline()
        .addLast("first-bytes", new FirstBytes(rc.metrics()))
        .addLast("idle", new IdleStateHandler(0, 0, idleTimeoutMillis, TimeUnit.MILLISECONDS))
        .addLast("idle-close", IdleCloser.INSTANCE)
        .addLast("alert-version", new AlertVersion())
        .addLast("sniff", new TlsSniffer(sslContext, handshakeTimeoutMillis))
        .addLast(Http2Front.NAME, new Http2Front(rc)) // ALPN h2: HTTP/2 in place of what follows
        .addLast("guard", new RequestGuard())
        .addLast(
            "http-decoder",
            new RequestDecoder(
                new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_INITIAL_LINE)
                    .setMaxHeaderSize(MAX_HEADER_SIZE)
                    .setStrictLineParsing(false) // nginx takes a bare LF as a line end
                    .setMaxChunkSize(16 * 1024)))
        .addLast("http-encoder", new HttpResponseEncoder())
        .addLast("front", new FrontHandler(rc));
    if (rc.fallback() != null) {
      ch.pipeline().addBefore("guard", "recorder", new Recorder());
    }
  }
}
