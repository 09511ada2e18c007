package io.sidestep.server;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.Pins;
import io.sidestep.server.internal.UsersFile;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The users of a relay, kept in the state directory's {@value #FILE_NAME} file.
 *
 * <p>A new user gets a random token of 32 bytes (256 bits, 43 base64url characters). The file
 * stores only the token's SHA-256, so the token appears exactly once: in the access key that {@link
 * #add} returns. Changes are written atomically under a file lock, so two {@code users} commands at
 * once cannot lose each other's changes, and a running relay picks them up within its poll interval
 * (1 s by default).
 */
public final class Users {

  public static final String FILE_NAME = "users";
  private static final String LOCK_NAME = "users.lock";
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A user as listed: a name and when it was added. */
  public record User(String name, Instant created) {}

  private final Path stateDir;

  private Users(Path stateDir) {
    this.stateDir = stateDir;
  }

  /** The users of the relay whose state directory is {@code stateDir}. */
  public static Users in(Path stateDir) {
    return new Users(stateDir);
  }

  public Path file() {
    return stateDir.resolve(FILE_NAME);
  }

  /** Every user, in the order they were added. */
  public List<User> list() {
    return UsersFile.read(file()).values().stream()
        .map(e -> new User(e.name(), e.created()))
        .toList();
  }

  /**
   * Adds a user and returns its access key, pinned to the state directory's certificate (generated
   * first if there is none).
   *
   * @param relayAddress the host and port clients reach the relay at
   * @throws IllegalArgumentException for a bad or taken name
   */
  public AccessKey add(String name, Destination relayAddress) {
    UsersFile.checkName(name); // before a certificate is made for nothing
    X509Certificate cert =
        RelayCertificate.loadOrCreate(stateDir, relayAddress.host()).certificate();
    return add(name, relayAddress, cert);
  }

  /** Adds a user whose access key pins {@code certificate} (for a relay run with --cert). */
  public AccessKey add(String name, Destination relayAddress, X509Certificate certificate) {
    UsersFile.checkName(name);
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
    withLock(
        () -> {
          Map<String, UsersFile.Entry> users = new LinkedHashMap<>(UsersFile.read(file()));
          if (users.containsKey(name)) {
            throw new IllegalArgumentException(
                "user '" + name + "' already exists in " + file() + " (expected: a new name)");
          }
          users.put(
              name,
              new UsersFile.Entry(
                  name, UsersFile.hash(token), Instant.now().truncatedTo(ChronoUnit.SECONDS)));
          UsersFile.write(file(), users.values());
          return null;
        });
    return new AccessKey(name, token, relayAddress, Optional.of(Pins.of(certificate)), name);
  }

  /**
   * Removes a user; its access key stops working within the running relay's poll interval.
   *
   * @return false when there was no such user
   */
  public boolean remove(String name) {
    return withLock(
        () -> {
          Map<String, UsersFile.Entry> users = new LinkedHashMap<>(UsersFile.read(file()));
          if (users.remove(name) == null) {
            return false;
          }
          UsersFile.write(file(), users.values());
          return true;
        });
  }

  private <T> T withLock(java.util.function.Supplier<T> action) {
    return AtomicFiles.locked(stateDir.resolve(LOCK_NAME), action);
  }
}
