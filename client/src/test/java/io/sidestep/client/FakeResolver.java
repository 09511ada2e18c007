package io.sidestep.client;

import io.sidestep.core.net.Resolver;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A resolver with a fixed table that records every name it was asked: tests use it to prove which
 * names reach the local resolver (a relayed name must never). Unknown names fail.
 */
public final class FakeResolver implements Resolver {
  private final Map<String, List<InetAddress>> table = new ConcurrentHashMap<>();
  private final List<String> asked = new CopyOnWriteArrayList<>();

  public FakeResolver answer(String host, String... addresses) {
    table.put(
        host,
        java.util.Arrays.stream(addresses).map(io.sidestep.core.net.IpLiterals::parse).toList());
    return this;
  }

  @Override
  public CompletableFuture<List<InetAddress>> resolve(String host) {
    asked.add(host);
    List<InetAddress> a = table.get(host);
    return a == null
        ? CompletableFuture.failedFuture(new UnknownHostException(host + ": not in the fake table"))
        : CompletableFuture.completedFuture(a);
  }

  /** Forgets the names asked so far (a test starts afresh). */
  public void forget() {
    asked.clear();
  }

  /** Every name asked so far, in order. */
  public List<String> asked() {
    return List.copyOf(asked);
  }
}
