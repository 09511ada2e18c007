package io.sidestep.client.detect;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.traffic.ChannelTrafficShapingHandler;
import io.sidestep.core.netty.Splice;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An ISP's throttle on loopback: listens on {@code listen}, connects each connection on to {@code
 * origin} from the listening address (so the origin sees who came through the throttle), and lets
 * the origin's bytes back at {@code bytesPerSecond} (Netty's traffic shaping); what the user sends
 * passes freely.
 */
final class ThrottlingProxy implements AutoCloseable {

  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final AtomicInteger connections = new AtomicInteger();

  ThrottlingProxy(InetSocketAddress listen, InetSocketAddress origin, long bytesPerSecond) {
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel user) {
                    connections.incrementAndGet();
                    user.pipeline()
                        .addLast("shaping", new ChannelTrafficShapingHandler(bytesPerSecond, 0));
                    ChannelFuture up =
                        new Bootstrap()
                            .group(user.eventLoop())
                            .channel(NioSocketChannel.class)
                            .option(ChannelOption.AUTO_READ, false)
                            .handler(
                                new ChannelInitializer<Channel>() {
                                  @Override
                                  protected void initChannel(Channel ch) {}
                                })
                            .connect(origin, new InetSocketAddress(listen.getAddress(), 0));
                    up.addListener(
                        f -> {
                          if (f.isSuccess() && user.isActive()) {
                            Splice.start(user, up.channel(), n -> {}, n -> {});
                          } else {
                            up.channel().close();
                            user.close();
                          }
                        });
                  }
                })
            .bind(listen)
            .syncUninterruptibly()
            .channel();
  }

  /** Connections made through the throttle so far. */
  int connections() {
    return connections.get();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
