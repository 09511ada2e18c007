package io.sidestep.core.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

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

  /**
   * Connects to {@code targets} in turn, each with {@link #outbound} and {@code connectTimeout},
   * until one answers; {@code handler} (shareable) initialises each attempt's channel. From {@code
   * local} when it is of the target's family (null: the system chooses). Fails with the last
   * attempt's cause. A channel that connects after the future was cancelled is closed.
   */
  public static Future<Channel> connectInTurn(
      EventLoop loop,
      List<InetSocketAddress> targets,
      Duration connectTimeout,
      InetAddress local,
      ChannelHandler handler) {
    Promise<Channel> promise = loop.newPromise();
    if (targets.isEmpty()) {
      return promise.setFailure(new IllegalArgumentException("targets: none (expected: one)"));
    }
    connect(loop, targets, 0, connectTimeout, local, handler, promise);
    return promise;
  }

  private static void connect(
      EventLoop loop,
      List<InetSocketAddress> targets,
      int i,
      Duration timeout,
      InetAddress local,
      ChannelHandler handler,
      Promise<Channel> promise) {
    InetSocketAddress target = targets.get(i);
    Bootstrap b = outbound(loop, timeout).handler(handler);
    boolean bindable =
        local != null
            && (local instanceof Inet4Address) == (target.getAddress() instanceof Inet4Address);
    ChannelFuture f =
        bindable ? b.connect(target, new InetSocketAddress(local, 0)) : b.connect(target);
    f.addListener(
        x -> {
          if (f.isSuccess()) {
            if (!promise.trySuccess(f.channel())) {
              f.channel().close(); // the caller gave up meanwhile
            }
          } else if (i + 1 < targets.size() && !promise.isDone()) {
            connect(loop, targets, i + 1, timeout, local, handler, promise);
          } else {
            promise.tryFailure(f.cause());
          }
        });
  }

  /** Sets the same options on the connections {@code server} accepts; returns it. */
  public static ServerBootstrap inbound(ServerBootstrap server) {
    return server
        .childOption(ChannelOption.AUTO_READ, false)
        .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_BUFFERS)
        .childOption(ChannelOption.TCP_NODELAY, true);
  }
}
