package io.sidestep.core.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;

/**
 * Channel options for connections that may carry a tunnel, on the client and on the relay: {@code
 * AUTO_READ} off (a tunnel reads once per write to its peer, for backpressure), {@code TCP_NODELAY}
 * on, and {@link #RECEIVE_BUFFERS}.
 *
 * <p>{@link #RECEIVE_BUFFERS}: each read gets a buffer that starts at 2 KiB and adapts between 64
 * bytes and {@value #MAX_READ} bytes (Netty's default stops at 64 KiB). The largest read is how
 * much one read and one write system call move: on a bulk download 256 KiB needed 15-25% less CPU
 * than 64 KiB in the client and the relay, and 1 MiB no less than 256 KiB (bench/throughput.sh). It
 * is also what a tunnel whose reader stalls holds per direction.
 */
public final class TunnelOptions {

  /** The largest read buffer: {@value} bytes. */
  public static final int MAX_READ = 256 * 1024;

  /** For {@link io.netty.channel.ChannelOption#RCVBUF_ALLOCATOR}; shareable. */
  public static final RecvByteBufAllocator RECEIVE_BUFFERS =
      new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ);

  private TunnelOptions() {}

  /**
   * A bootstrap for an outbound tunnel connection on {@code loop} (the inbound connection's, so
   * that splicing needs no hand-off between threads) giving up after {@code connectTimeout}; the
   * caller adds the handler and connects.
   */
  public static Bootstrap outbound(EventLoop loop, Duration connectTimeout) {
    return new Bootstrap()
        .group(loop)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(
            ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.max(1, Math.min(Integer.MAX_VALUE, connectTimeout.toMillis())));
  }

  /** Sets the same options on the connections {@code server} accepts; returns it. */
  public static ServerBootstrap inbound(ServerBootstrap server) {
    return server
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
        .childOption(ChannelOption.TCP_NODELAY, true);
  }
}
