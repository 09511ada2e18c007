package io.sidestep.server;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.Pins;
import io.sidestep.server.internal.Usage;
import io.sidestep.server.internal.UsersFile;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

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

  /** A user as listed: a name, when it was added, and its limits. */
  public record User(String name, Instant created, Limits limits) {}

  /** A user's usage as the relay last saved it: bytes both ways, in all and per UTC day. */
  public record UsageFigures(long total, Optional<Instant> lastSeen, long inWindow) {}

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
        .map(e -> new User(e.name(), e.created(), e.limits()))
        .toList();
  }

  public Optional<User> get(String name) {
    return list().stream().filter(u -> u.name().equals(name)).findFirst();
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
    return add(name, relayAddress, certificate, Limits.NONE);
  }

  /** Adds a user with {@code limits}. */
  public AccessKey add(
      String name, Destination relayAddress, X509Certificate certificate, Limits limits) {
    UsersFile.checkName(name);
    String token = newToken();
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
                  name,
                  UsersFile.hash(token),
                  Instant.now().truncatedTo(ChronoUnit.SECONDS),
                  limits));
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

  /**
   * Changes a user's limits.
   *
   * @throws IllegalArgumentException when there is no such user
   */
  public Limits setLimits(String name, UnaryOperator<Limits> change) {
    return withLock(
        () -> {
          Map<String, UsersFile.Entry> users = new LinkedHashMap<>(UsersFile.read(file()));
          UsersFile.Entry e = users.get(name);
          if (e == null) {
            throw new IllegalArgumentException("no user '" + name + "' in " + file());
          }
          Limits next = change.apply(e.limits());
          users.put(name, e.withLimits(next));
          UsersFile.write(file(), users.values());
          return next;
        });
  }

  /**
   * Gives a user a new token and returns its new access key; the old key stops working, and the
   * running relay closes its connections, within the relay's poll interval.
   *
   * @throws IllegalArgumentException when there is no such user
   */
  public AccessKey rotate(String name, Destination relayAddress, X509Certificate certificate) {
    String token = newToken();
    withLock(
        () -> {
          Map<String, UsersFile.Entry> users = new LinkedHashMap<>(UsersFile.read(file()));
          UsersFile.Entry e = users.get(name);
          if (e == null) {
            throw new IllegalArgumentException("no user '" + name + "' in " + file());
          }
          users.put(name, e.withTokenHash(UsersFile.hash(token)));
          UsersFile.write(file(), users.values());
          return null;
        });
    return new AccessKey(name, token, relayAddress, Optional.of(Pins.of(certificate)), name);
  }

  /**
   * As {@link #rotate(String, Destination, X509Certificate)}, pinning the state directory's one.
   */
  public AccessKey rotate(String name, Destination relayAddress) {
    return rotate(
        name,
        relayAddress,
        RelayCertificate.loadOrCreate(stateDir, relayAddress.host()).certificate());
  }

  /** The user's usage as last saved by the relay, with the bytes in its window if it has one. */
  public UsageFigures usage(String name) {
    Usage usage = Usage.load(stateDir.resolve(Usage.FILE_NAME), Clock.systemUTC());
    Usage.Figures f = usage.of(name);
    Limits limits = get(name).map(User::limits).orElse(Limits.NONE);
    long window = limits.hasWindow() ? f.inLast(limits.windowDays(), usage.today()) : 0;
    return new UsageFigures(f.total(), Optional.ofNullable(f.lastSeen()), window);
  }

  private static String newToken() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
  }

  private <T> T withLock(java.util.function.Supplier<T> action) {
    return AtomicFiles.locked(stateDir.resolve(LOCK_NAME), action);
  }
}
