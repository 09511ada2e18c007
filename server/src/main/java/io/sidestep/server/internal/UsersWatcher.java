package io.sidestep.server.internal;

import io.sidestep.core.files.FileWatcher;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the users file when it changes ({@link FileWatcher}: modification time, size and inode),
 * so users added or removed take effect without a restart. A file that does not parse is reported
 * and the previous users stay in force.
 */
public final class UsersWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Users");

  private final Path file;
  private final Authenticator authenticator;
  private final Accounts accounts;
  private final FileWatcher watch;
  private ScheduledFuture<?> task;

  public UsersWatcher(Path file, Authenticator authenticator, Accounts accounts) {
    this.file = file;
    this.authenticator = authenticator;
    this.accounts = accounts;
    this.watch = new FileWatcher(List.of(file));
  }

  /** Loads the file now; throws when it does not parse, for a clear error at start-up. */
  public synchronized void loadOrThrow() {
    watch.changed(); // taken as seen before reading: an edit while reading shows next time
    load(UsersFile.read(file));
  }

  private void load(java.util.Map<String, UsersFile.Entry> users) {
    authenticator.replace(users);
    accounts.replace(users);
  }

  /** Polls every {@code interval} on {@code scheduler}. */
  public void start(ScheduledExecutorService scheduler, Duration interval) {
    long ms = Math.max(10, interval.toMillis());
    task = scheduler.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Reloads now, changed or not (SIGHUP); a file that does not parse is reported. */
  public synchronized void reload() {
    watch.changed();
    try {
      load(UsersFile.read(file));
      log.info("users reloaded from {}: {} users", file, authenticator.size());
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.error("users file not reloaded, the previous users stay in force: {}", e.getMessage());
    }
  }

  /** Reloads now if the file changed since the last load. */
  public synchronized void poll() {
    if (!watch.changed()) {
      return; // a broken file is reported once, not every second; its next change is read again
    }
    try {
      load(UsersFile.read(file));
      log.info("users reloaded from {}: {} users", file, authenticator.size());
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.error("users file not reloaded, the previous users stay in force: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
