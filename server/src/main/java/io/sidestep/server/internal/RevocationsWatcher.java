package io.sidestep.server.internal;

import io.sidestep.core.files.FileWatcher;
import io.sidestep.server.fleet.Revocations;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the fleet's revocation list when its file changes, and then closes the connections of
 * every key it revokes. A list that does not parse or whose signature does not verify is reported
 * and the previous one stays in force.
 */
public final class RevocationsWatcher {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Users");

  private final Path file;
  private final FleetTrust fleet;
  private final Accounts accounts;
  private final FileWatcher watch;

  public RevocationsWatcher(Path file, FleetTrust fleet, Accounts accounts) {
    this.file = file;
    this.fleet = fleet;
    this.accounts = accounts;
    this.watch = new FileWatcher(List.of(file));
  }

  /** Loads the list now; throws when it does not verify, for a clear error at start-up. */
  public synchronized void loadOrThrow() {
    watch.changed();
    fleet.revocations(Revocations.read(file, fleet.key()));
  }

  /** Reloads if the file changed since the last look. */
  public synchronized void poll() {
    if (watch.changed()) {
      reload();
    }
  }

  /** Reloads now, changed or not (SIGHUP). */
  public synchronized void reload() {
    watch.changed();
    try {
      Revocations r = Revocations.read(file, fleet.key());
      fleet.revocations(r);
      log.info("revocations reloaded from {}: {} entries", file, r.entries().size());
    } catch (IllegalArgumentException | UncheckedIOException e) {
      log.error("revocations not reloaded, the previous list stays in force: {}", e.getMessage());
      return;
    }
    accounts.enforce();
  }
}
