package io.sidestep.client.dial.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sidestep.client.dial.Dialer;
import io.sidestep.client.dial.EarlyData;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The client's {@link Dialer}: direct TCP connections on the caller's event loop (NIO), and relay
 * tunnels through a {@link RelayConnector}. The default direct connect timeout is 10 s per address;
 * at most 4 addresses of a name are tried.
 */
public final class DefaultDialer implements Dialer {

  /** Addresses of one name tried before giving up. */
  static final int MAX_ADDRESSES = 4;

  private static final ChannelInitializer<Channel> HOLD_EARLY_BYTES =
      new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {
          ch.pipeline().addLast(HeldBytes.NAME, new HeldBytes());
        }
      };

  private final Resolver resolver;
  private final RelayConnector relays;
  private final Duration connectTimeout;
  private final InetAddress localAddress;

  public DefaultDialer(Resolver resolver, RelayConnector relays, Duration connectTimeout) {
    this(resolver, relays, connectTimeout, null);
  }

  /**
   * As above, binding direct connections to {@code localAddress} (null: the system chooses), for a
   * multi-homed machine, and for tests, where it lets an origin tell direct from relayed.
   */
  public DefaultDialer(
      Resolver resolver, RelayConnector relays, Duration connectTimeout, InetAddress localAddress) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
    this.relays = Objects.requireNonNull(relays, "relays");
    this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    this.localAddress = localAddress;
  }

  @Override
  public Resolver resolver() {
    return resolver;
  }

  @Override
  public CompletableFuture<List<InetAddress>> resolveDirect(Destination destination) {
    if (destination.isIpLiteral()) {
      return CompletableFuture.completedFuture(List.of(IpLiterals.parse(destination.host())));
    }
    try {
      return resolver.resolve(destination.host());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public Future<Channel> connectDirect(
      EventLoop loop, Destination destination, List<InetAddress> addresses) {
    return connectDirect(loop, destination, addresses, connectTimeout);
  }

  @Override
  public Future<Channel> connectDirect(
      EventLoop loop, Destination destination, List<InetAddress> addresses, Duration timeout) {
    Promise<Channel> promise = loop.newPromise();
    if (addresses.isEmpty()) {
      promise.setFailure(
          new DialException(
              DialException.Kind.NAME_NOT_RESOLVED, destination.host() + ": no address"));
      return promise;
    }
    List<InetSocketAddress> tries =
        addresses.subList(0, Math.min(MAX_ADDRESSES, addresses.size())).stream()
            .map(a -> new InetSocketAddress(a, destination.port()))
            .toList();
    TunnelOptions.connectInTurn(loop, tries, timeout, localAddress, HOLD_EARLY_BYTES)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                Channel ch = (Channel) f.getNow();
                InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
                ch.attr(VIA).set("direct " + remote.getAddress().getHostAddress());
                if (!promise.trySuccess(ch)) {
                  ch.close();
                }
              } else {
                promise.tryFailure(DialException.of(f.cause(), "direct to " + destination));
              }
            });
    return promise;
  }

  @Override
  public Future<Channel> connectRelay(EventLoop loop, Destination destination) {
    return relays.connect(loop, destination);
  }

  @Override
  public Future<Channel> connectRelay(EventLoop loop, Destination destination, EarlyData early) {
    return relays.connect(loop, destination, early);
  }

  @Override
  public boolean relayReady() {
    return relays.ready();
  }

  @Override
  public EventLoop relayLoop() {
    return relays.loop();
  }
}
