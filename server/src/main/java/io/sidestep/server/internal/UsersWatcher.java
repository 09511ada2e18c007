package io.sidestep.server.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the users file when it changes, so users added or removed take effect without a restart.
 * It polls the file's modification time, size and inode (an atomic rename changes the inode even
 * within one clock tick). A file that does not parse is reported and the previous users stay in
 * force.
 */
public final class UsersWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Users");

  private record Stamp(long modifiedNanos, long size, Object fileKey) {}

  private static final Stamp MISSING = new Stamp(-1, -1, null);

  private final Path file;
  private final Authenticator authenticator;
  private ScheduledFuture<?> task;
  private Stamp seen;

  public UsersWatcher(Path file, Authenticator authenticator) {
    this.file = file;
    this.authenticator = authenticator;
  }

  /** Loads the file now; throws when it does not parse, for a clear error at start-up. */
  public synchronized void loadOrThrow() {
    Stamp s = stamp();
    authenticator.replace(UsersFile.read(file));
    seen = s;
  }

  /** Polls every {@code interval} on {@code scheduler}. */
  public void start(ScheduledExecutorService scheduler, Duration interval) {
    long ms = Math.max(10, interval.toMillis());
    task = scheduler.scheduleWithFixedDelay(this::poll, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Reloads now if the file changed since the last load. */
  public synchronized void poll() {
    Stamp s;
    try {
      s = stamp();
    } catch (UncheckedIOException e) {
      log.error("cannot check the users file: {}", e.getMessage());
      return;
    }
    if (Objects.equals(s, seen)) {
      return;
    }
    try {
      authenticator.replace(UsersFile.read(file));
      log.info("users reloaded from {}: {} users", file, authenticator.size());
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.error("users file not reloaded, the previous users stay in force: {}", e.getMessage());
    }
    seen = s; // report a broken file once, not every second; the next change is read again
  }

  private Stamp stamp() {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new Stamp(a.lastModifiedTime().to(TimeUnit.NANOSECONDS), a.size(), a.fileKey());
    } catch (NoSuchFileException e) {
      return MISSING;
    } catch (IOException e) {
      throw new UncheckedIOException(file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
