package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.route.Destination;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Reaches a destination for a user: resolves its name with the resolver (never on an event loop),
 * applies the {@link DestinationPolicy} to every address, then connects to the permitted addresses
 * in turn on the inbound connection's own event loop, with {@code AUTO_READ} off so the tunnel can
 * apply backpressure. Connecting to the checked address, not the name, means a second lookup cannot
 * smuggle in a different address.
 */
public final class DestinationDialer {

  private static final int MAX_ADDRESSES = 8;

  private final Resolver resolver;
  private final DestinationPolicy policy;
  private final int connectTimeoutMillis;
  private final java.util.function.LongConsumer connectTimes;

  public DestinationDialer(Resolver resolver, DestinationPolicy policy, int connectTimeoutMillis) {
    this(resolver, policy, connectTimeoutMillis, n -> {});
  }

  /** {@code connectTimes} is told each successful dial's duration in nanoseconds. */
  public DestinationDialer(
      Resolver resolver,
      DestinationPolicy policy,
      int connectTimeoutMillis,
      java.util.function.LongConsumer connectTimes) {
    this.resolver = resolver;
    this.policy = policy;
    this.connectTimeoutMillis = connectTimeoutMillis;
    this.connectTimes = connectTimes;
  }

  /**
   * Connects to {@code destination}; the future completes on {@code loop} with a connected channel
   * (no handlers yet, auto-read off) or fails with a {@link DialException}.
   */
  public Future<Channel> dial(EventLoop loop, Destination destination) {
    Promise<Channel> promise = loop.newPromise();
    long start = System.nanoTime();
    promise.addListener(
        f -> {
          if (f.isSuccess()) {
            connectTimes.accept(System.nanoTime() - start);
          }
        });
    if (destination.isIpLiteral()) {
      connectAll(loop, destination, List.of(IpLiterals.parse(destination.host())), promise);
      return promise;
    }
    resolver
        .resolve(destination.host())
        .whenComplete(
            (addresses, error) -> {
              if (error == null) {
                loop.execute(() -> connectAll(loop, destination, addresses, promise));
                return;
              }
              Throwable e = Failures.unwrap(error);
              Failure kind = Failures.kindOf(e);
              promise.tryFailure(
                  kind == Failure.OVERLOADED
                      ? new DialException(DialException.Kind.OVERLOADED, "too many lookups at once")
                      : new DialException(
                          DialException.Kind.NAME_NOT_RESOLVED,
                          "cannot resolve "
                              + destination.host()
                              + ": "
                              + (e instanceof UnknownHostException ? "no such host" : e)));
            });
    return promise;
  }

  private void connectAll(
      EventLoop loop, Destination destination, List<InetAddress> addresses, Promise<Channel> p) {
    List<InetAddress> permitted = new ArrayList<>();
    InetAddress refused = null;
    for (InetAddress a : addresses) {
      if (policy.permits(a)) {
        if (permitted.size() < MAX_ADDRESSES) {
          permitted.add(a);
        }
      } else if (refused == null) {
        refused = a;
      }
    }
    if (permitted.isEmpty()) {
      p.tryFailure(
          refused == null
              ? new DialException(
                  DialException.Kind.NAME_NOT_RESOLVED,
                  "cannot resolve " + destination.host() + ": no addresses")
              : new DialException(
                  DialException.Kind.REJECTED,
                  "destination "
                      + destination
                      + " refused: "
                      + refused.getHostAddress()
                      + " is not a public address (the relay's --allow-destination can permit it)"));
      return;
    }
    connect(loop, destination, permitted, p);
  }

  private void connect(
      EventLoop loop, Destination destination, List<InetAddress> addrs, Promise<Channel> p) {
    List<InetSocketAddress> targets =
        addrs.stream().map(a -> new InetSocketAddress(a, destination.port())).toList();
    TunnelOptions.connectInTurn(
            loop, targets, Duration.ofMillis(connectTimeoutMillis), null, NO_HANDLERS)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                if (!p.trySuccess((Channel) f.getNow())) {
                  ((Channel) f.getNow()).close(); // the caller gave up meanwhile
                }
                return;
              }
              DialException e = DialException.of(f.cause(), "connect");
              p.tryFailure(
                  new DialException(
                      e.kind(),
                      "cannot connect to "
                          + destination
                          + " ("
                          + addrs.get(addrs.size() - 1).getHostAddress()
                          + "): "
                          + describe(e.kind()),
                      f.cause()));
            });
  }

  /** Handlers are added once the caller knows what the connection is for. */
  private static final ChannelInitializer<Channel> NO_HANDLERS =
      new ChannelInitializer<>() {
        @Override
        protected void initChannel(Channel ch) {}
      };

  /** The reason in words the user can read, the same whatever the OS says. */
  private static String describe(DialException.Kind kind) {
    return switch (kind) {
      case CONNECTION_REFUSED -> "connection refused";
      case TIMEOUT -> "timed out";
      case UNREACHABLE -> "unreachable";
      default -> "connection failed";
    };
  }
}
