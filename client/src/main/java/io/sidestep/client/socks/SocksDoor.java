package io.sidestep.client.socks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.socksx.v5.Socks5InitialRequestDecoder;
import io.netty.handler.codec.socksx.v5.Socks5ServerEncoder;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.core.netty.TunnelOptions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

/**
 * A listening SOCKS5 door. Only CONNECT is served (BIND and UDP ASSOCIATE get 0x07); without
 * credentials it offers no-authentication, with them only user/password. A handshake must finish
 * within the handshake timeout (10 s by default) or the connection is closed.
 */
public final class SocksDoor implements AutoCloseable {

  /** Default time allowed from accept to a complete CONNECT request. */
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final Channel server;
  private final String name;

  private SocksDoor(Channel server, String name) {
    this.server = server;
    this.name = name;
  }

  /**
   * Binds a door. {@code name} is the door's name in log lines ({@code socks}, or {@code http} for
   * the HTTP door's internal hop); without a {@code login} the door asks for no authentication.
   *
   * @throws java.io.UncheckedIOException when the address cannot be bound
   */
  public static SocksDoor bind(
      String name,
      InetSocketAddress address,
      EventLoopGroup group,
      Dispatcher dispatcher,
      Optional<SocksLogin> login,
      Duration handshakeTimeout) {
    ServerBootstrap b =
        TunnelOptions.inbound(new ServerBootstrap())
            .group(group)
            .channel(NioServerSocketChannel.class)
            // A client may half-close after its request; the tunnel passes that on.
            .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(SocksHandshake.ENCODER, Socks5ServerEncoder.DEFAULT)
                        .addLast(SocksHandshake.DECODER, new Socks5InitialRequestDecoder())
                        .addLast(
                            SocksHandshake.NAME,
                            new SocksHandshake(name, dispatcher, login, handshakeTimeout));
                  }
                });
    try {
      Channel server = b.bind(address).sync().channel();
      return new SocksDoor(server, name);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while binding the " + name + " door", e);
    } catch (Exception e) {
      throw new java.io.UncheckedIOException(
          new java.io.IOException(
              name + " door: cannot listen on " + address + ": " + e.getMessage(), e));
    }
  }

  /** The address the door listens on, with the actual port when bound to port 0. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.localAddress();
  }

  public String name() {
    return name;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }
}
