package io.sidestep.core.detect;

import io.sidestep.core.files.FileWatcher;
import io.sidestep.core.network.Network;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes changes to the learned blocklist off the caller's thread (the file is forced to disk, and
 * an event loop must never wait for that): changes wait in a bounded queue, and one daemon thread
 * takes everything queued and makes it in one write ({@link LearnedStore#apply}), then tells {@code
 * afterWrite} what changed. A change that finds the queue full is dropped with a WARN; a forget
 * (which the next direct success asks for again) is dropped once the queue is half full, so they
 * never crowd out what was learned.
 *
 * <p>It keeps the set of hosts the file holds, read again whenever the file changes (whoever wrote
 * it), so that "direct works again" for a host without an entry costs a stat, not a read.
 */
public final class LearnedWriter implements AutoCloseable {

  /** How many changes may wait: 1,024. */
  public static final int DEFAULT_CAPACITY = 1024;

  private static final Logger LOG = LoggerFactory.getLogger(LearnedWriter.class);

  // Told apart by identity: the change that tells the thread to stop.
  private static final LearnedStore.Change STOP = new LearnedStore.Change.Forget("stop.invalid");

  private final LearnedStore store;
  private final int capacity;
  private final BlockingQueue<LearnedStore.Change> queue;
  private final Consumer<List<LearnedStore.Change>> afterWrite;
  // Keys (HOST NETWORK) of the entries in the file.
  private final Set<String> stored = ConcurrentHashMap.newKeySet();
  private final FileWatcher file; // the writer thread's only
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param afterWrite runs on the writer thread after each write with the changes it made
   */
  public LearnedWriter(
      LearnedStore store, int capacity, Consumer<List<LearnedStore.Change>> afterWrite) {
    if (capacity < 2) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 2)");
    }
    this.store = Objects.requireNonNull(store, "store");
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.afterWrite = Objects.requireNonNull(afterWrite, "afterWrite");
    this.file = new FileWatcher(List.of(store.file()));
    this.thread = new Thread(this::run, "sidestep-learned-writer");
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues learning {@code host}; false (and a WARN) when the queue is full. Never blocks. */
  public boolean learn(String host, Evidence evidence) {
    return learn(host, evidence, Optional.empty());
  }

  /**
   * Queues learning {@code host} on {@code network} (empty: any network); false (and a WARN) when
   * the queue is full. Never blocks.
   */
  public boolean learn(String host, Evidence evidence, Optional<Network> network) {
    LearnedStore.Change c;
    try {
      c = new LearnedStore.Change.Learn(host, evidence, network);
    } catch (IllegalArgumentException e) {
      LOG.warn("learned blocklist: not learned: {}", e.getMessage());
      return false;
    }
    if (closed || !queue.offer(c)) {
      LOG.warn(
          "learned blocklist: {} changes waiting to be written; {} not written (it is routed to the"
              + " relay until restart)",
          queue.size(),
          c.host());
      return false;
    }
    return true;
  }

  /**
   * Queues forgetting {@code host} if the file has an entry for it; false when the queue is half
   * full (the next direct success asks again). Never blocks.
   */
  public boolean forgetIfStored(String host) {
    return forgetIfStored(host, Optional.empty());
  }

  /**
   * Queues forgetting the host's entries that apply on {@code network} ({@link
   * LearnedStore.Change.Forget}) if the file has one; false when the queue is half full. Never
   * blocks.
   */
  public boolean forgetIfStored(String host, Optional<Network> network) {
    if (closed || queue.remainingCapacity() < capacity / 2) {
      return false;
    }
    try {
      return queue.offer(new LearnedStore.Change.Forget(host, network));
    } catch (IllegalArgumentException e) {
      return false; // no valid host, so no entry
    }
  }

  private void run() {
    refreshStored();
    while (true) {
      List<LearnedStore.Change> batch = new ArrayList<>();
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        return;
      }
      queue.drainTo(batch);
      boolean stop = batch.removeIf(c -> c == STOP);
      write(batch);
      if (stop) {
        return;
      }
    }
  }

  private void write(List<LearnedStore.Change> batch) {
    try {
      if (file.changed()) {
        refreshStored();
      }
      Set<String> present = new HashSet<>(stored);
      List<LearnedStore.Change> needed = new ArrayList<>();
      for (LearnedStore.Change c : batch) {
        if (c instanceof LearnedStore.Change.Learn l) {
          present.add(LearnedStore.key(l.host(), l.network()));
          needed.add(c);
        } else if (c instanceof LearnedStore.Change.Forget f
            && present.removeIf(k -> drops(f, k))) {
          needed.add(c);
        }
      }
      if (needed.isEmpty()) {
        return;
      }
      List<LearnedStore.Change> made = store.apply(needed);
      if (!made.isEmpty()) {
        refreshStored();
        afterWrite.accept(made);
      }
    } catch (RuntimeException e) {
      LOG.error("learned blocklist: {}", e.getMessage());
    }
  }

  /** Whether {@code f} drops the entry whose key ({@code HOST NETWORK}) is {@code key}. */
  private static boolean drops(LearnedStore.Change.Forget f, String key) {
    int space = key.lastIndexOf(' ');
    String net = key.substring(space + 1);
    return key.substring(0, space).equals(f.host())
        && (f.network().isEmpty() || net.equals("*") || f.network().get().sameAs(net));
  }

  private void refreshStored() {
    try {
      Set<String> now = new HashSet<>();
      store.entries().forEach(e -> now.add(e.key()));
      stored.retainAll(now);
      stored.addAll(now);
    } catch (RuntimeException e) {
      LOG.warn("learned blocklist: {}", e.getMessage());
    }
  }

  /** Writes what is queued (waiting up to 5 seconds), then stops; later changes are dropped. */
  @Override
  public void close() {
    closed = true;
    try {
      if (queue.offer(STOP, 5, TimeUnit.SECONDS)) {
        thread.join(5000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
