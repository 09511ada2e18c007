package io.sidestep.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operating system's resolver ({@link InetAddress#getAllByName}), the default for direct
 * traffic. Look-ups block, so they run on a small pool of their own (4 threads by default), never
 * on an event loop, with at most 256 waiting by default: when the system resolver hangs, further
 * look-ups fail at once (not an answer about the name) instead of piling up.
 *
 * <p>The system resolver's failures carry no code a program can read, only a message: the JDK
 * throws one type for "no such name" and "could not ask", so a failure is taken as no such name.
 */
public final class SystemResolver implements Resolver {

  /** Look-ups that may wait for a thread by default. */
  public static final int DEFAULT_QUEUE = 256;

  /** How a name is looked up; the JVM's resolver outside tests. */
  @FunctionalInterface
  interface Lookup {
    InetAddress[] lookup(String host) throws UnknownHostException, InterruptedException;
  }

  private final ThreadPoolExecutor pool;
  private final int queue;
  private final Lookup lookup;

  public SystemResolver() {
    this(4, DEFAULT_QUEUE);
  }

  /** {@code threads} look-ups at once, and at most {@code queue} waiting. */
  public SystemResolver(int threads, int queue) {
    this(threads, queue, InetAddress::getAllByName);
  }

  SystemResolver(int threads, int queue, Lookup lookup) {
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(queue),
            r -> {
              Thread t = new Thread(r, "sidestep-resolver-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    this.queue = queue;
    this.lookup = lookup;
  }

  @Override
  public CompletableFuture<List<InetAddress>> resolve(String host) {
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            try {
              return List.of(lookup.lookup(host));
            } catch (UnknownHostException e) {
              throw new CompletionException(e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new CompletionException(
                  new NameLookupException(Failure.LOOKUP_FAILED, host + ": interrupted", e));
            }
          },
          pool);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(
          new NameLookupException(
              Failure.OVERLOADED,
              host
                  + ": not looked up, "
                  + queue
                  + " look-ups are already waiting for the system resolver (expected: fewer"
                  + " at once, or a resolver that answers)",
              e));
    }
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
