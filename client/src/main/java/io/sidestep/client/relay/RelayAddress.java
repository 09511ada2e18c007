package io.sidestep.client.relay;

import io.sidestep.core.net.IpLiterals;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletableFuture;

/**
 * Where a relay is reached: its key's address literal as it is, or its name looked up with the
 * direct resolver (a relay's own name is not a secret; the names it carries are). The first address
 * is used.
 */
final class RelayAddress {
  private RelayAddress() {}

  static CompletableFuture<InetSocketAddress> of(AccessKey key, Resolver resolver) {
    Destination relay = key.relay();
    if (relay.isIpLiteral()) {
      return CompletableFuture.completedFuture(
          new InetSocketAddress(IpLiterals.parse(relay.host()), relay.port()));
    }
    // Completed by hand, not with thenApply, so that a failure keeps its own exception type.
    CompletableFuture<InetSocketAddress> address = new CompletableFuture<>();
    resolver
        .resolve(relay.host())
        .whenComplete(
            (list, error) -> {
              if (error != null) {
                address.completeExceptionally(error);
              } else if (list.isEmpty()) {
                address.completeExceptionally(new UnknownHostException(relay.host()));
              } else {
                address.complete(new InetSocketAddress(list.get(0), relay.port()));
              }
            });
    return address;
  }
}
