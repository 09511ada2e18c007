package io.sidestep.client.detect;

import io.netty.channel.EventLoop;
import io.sidestep.core.detect.Lookup;
import java.util.concurrent.CompletableFuture;

/**
 * Resolves a name at the relay, the control for local DNS answers: {@link
 * io.sidestep.client.relay.RelayTransport} asks the relay's authenticated DNS-over-HTTPS endpoint.
 * Never completes exceptionally: a failure is a {@link Lookup.Failed}.
 */
@FunctionalInterface
public interface RelayResolver {

  CompletableFuture<Lookup> lookup(EventLoop loop, String host);

  /** For a client without relays: every look-up fails, so nothing is learned from DNS. */
  RelayResolver NONE =
      (loop, host) -> CompletableFuture.completedFuture(Lookup.failed("no relay configured"));
}
