package io.sidestep.client.dial;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operating system's resolver ({@link InetAddress#getAllByName}), the default for direct
 * traffic. Look-ups block, so they run on a small pool of their own (4 threads by default), never
 * on an event loop.
 */
public final class SystemResolver implements Resolver {

  private final ExecutorService pool;

  public SystemResolver() {
    this(4);
  }

  public SystemResolver(int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "sidestep-resolver-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.allowCoreThreadTimeOut(true);
    this.pool = executor;
  }

  @Override
  public CompletableFuture<List<InetAddress>> resolve(String host) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return List.of(InetAddress.getAllByName(host));
          } catch (UnknownHostException e) {
            throw new CompletionException(e);
          }
        },
        pool);
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  @Override
  public String toString() {
    return "system resolver";
  }
}
