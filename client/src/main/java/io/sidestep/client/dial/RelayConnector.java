package io.sidestep.client.dial;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;

/**
 * Opens tunnels through relays; {@link io.sidestep.client.relay.RelayTransport} is the real one.
 * Same channel contract as {@link Dialer#connectRelay}.
 */
@FunctionalInterface
public interface RelayConnector {

  Future<Channel> connect(EventLoop loop, Destination destination);

  /** As {@link Dialer#connectRelay(EventLoop, Destination, EarlyData)}. */
  default Future<Channel> connect(EventLoop loop, Destination destination, EarlyData early) {
    return connect(loop, destination);
  }

  /** As {@link Dialer#relayReady}. */
  default boolean ready() {
    return false;
  }

  /** As {@link Dialer#relayLoop}: null unless a relay connection is open. */
  default EventLoop loop() {
    return null;
  }

  /** For a client started without {@code --relay}: every relay route fails with a clear reason. */
  RelayConnector NONE =
      (loop, destination) ->
          loop.newFailedFuture(
              new DialException(
                  DialException.Kind.RELAY_UNAVAILABLE,
                  "no relay configured for " + destination + " (give one with --relay KEY)"));
}
