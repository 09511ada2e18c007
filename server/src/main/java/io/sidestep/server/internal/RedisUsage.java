package io.sidestep.server.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Usage counters shared by the relays of a fleet in Redis, so that a quota holds across them.
 *
 * <p>Each user is one hash, {@code sidestep:usage:NAME}, with the field {@code total} and one field
 * {@code d:EPOCHDAY} per UTC day (a sliding window sums the days in it), incremented with {@code
 * HINCRBY}. Bytes are added here without waiting ({@link #add}) and sent by a thread of their own
 * every interval, which also reads back the fleet's figures of the users this relay has seen in the
 * last ten minutes; nothing here blocks an event loop. A user this relay has not seen yet is read
 * at once, and {@code onFetched} then runs so that a user over a limit elsewhere is closed here
 * too.
 *
 * <p>When Redis cannot be reached, one line says so, bytes keep being counted here (and are sent
 * when it answers again, with a line saying so), and quotas are judged by this relay's own counts
 * and the fleet's last known ones.
 */
public final class RedisUsage implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger("io.sidestep.server.Usage");

  static final String PREFIX = "sidestep:usage:";
  private static final long KEEP_DAYS = 3660;
  private static final long WATCH_MILLIS = TimeUnit.MINUTES.toMillis(10);
  private static final int TIMEOUT_MILLIS = 1000;

  private final URI uri;
  private final String shown;
  private final Clock clock;
  private final ScheduledExecutorService thread;
  private final Runnable onFetched;

  /** Bytes not yet sent, per user and day. */
  private final Map<String, Map<Long, Long>> pending = new ConcurrentHashMap<>();

  /** The fleet's figures as last read, per user. */
  private final Map<String, Usage.Figures> fleet = new ConcurrentHashMap<>();

  /** Users to read back, with when this relay last saw them (milliseconds). */
  private final Map<String, Long> watched = new ConcurrentHashMap<>();

  private Jedis jedis; // only touched on the thread
  private volatile boolean up = true;
  private boolean tried; // only touched on the thread

  /**
   * {@code redis://[[USER]:PASSWORD@]HOST:PORT[/DB]}.
   *
   * @throws IllegalArgumentException for anything else, with the password masked
   */
  public static URI parse(String text) {
    String expected = " (expected: redis://HOST:PORT or redis://HOST:PORT/DB)";
    URI u;
    try {
      u = new URI(text.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("usage store: not a URI" + expected, e);
    }
    String path = u.getPath() == null ? "" : u.getPath();
    if (!"redis".equalsIgnoreCase(u.getScheme())
        || u.getHost() == null
        || u.getPort() < 1
        || !path.matches("(/\\d{1,2})?/?")
        || u.getQuery() != null) {
      throw new IllegalArgumentException("usage store: '" + masked(u) + "'" + expected);
    }
    return u;
  }

  private static String masked(URI u) {
    return u.getScheme()
        + "://"
        + (u.getRawUserInfo() == null ? "" : "****@")
        + u.getHost()
        + (u.getPort() > 0 ? ":" + u.getPort() : "")
        + (u.getPath() == null ? "" : u.getPath());
  }

  /** Starts the thread that sends and reads the counters every {@code intervalMillis}. */
  public RedisUsage(URI uri, Clock clock, long intervalMillis, Runnable onFetched) {
    this.uri = uri;
    this.shown = masked(uri);
    this.clock = clock;
    this.onFetched = onFetched;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "relay-usage-store");
              t.setDaemon(true);
              return t;
            });
    thread.execute(this::sync);
    thread.scheduleWithFixedDelay(
        this::sync, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
  }

  /** The store as the log shows it (no password). */
  public String describe() {
    return shown;
  }

  /** Counts {@code bytes} of {@code user}'s today; sent with the next round. */
  public void add(String user, long bytes) {
    if (bytes <= 0) {
      return;
    }
    addPending(user, today().toEpochDay(), bytes);
  }

  /**
   * Changed only inside {@code compute}, so that a round that takes a user's map away (an atomic
   * {@code remove}) never misses bytes added to it meanwhile.
   */
  private void addPending(String user, long day, long bytes) {
    pending.compute(
        user,
        (u, days) -> {
          Map<Long, Long> m = days == null ? new ConcurrentHashMap<>() : days;
          m.merge(day, bytes, Long::sum);
          return m;
        });
  }

  /**
   * The user has a connection here: keep reading the user's fleet figures, and read them at once
   * when this relay has none yet.
   */
  public void seen(String user) {
    boolean first = watched.put(user, clock.millis()) == null;
    if (first && !fleet.containsKey(user)) {
      thread.execute(this::sync);
    }
  }

  /**
   * The fleet's figures for {@code user} with this relay's bytes not sent yet; null while none were
   * ever read (then this relay's own count is all there is).
   */
  public Usage.Figures of(String user) {
    Usage.Figures f = fleet.get(user);
    if (f == null) {
      return null;
    }
    Map<Long, Long> mine = pending.get(user);
    if (mine == null || mine.isEmpty()) {
      return f;
    }
    Map<Long, Long> days = new HashMap<>(f.days());
    long total = f.total();
    for (var e : mine.entrySet()) {
      days.merge(e.getKey(), e.getValue(), Long::sum);
      total += e.getValue();
    }
    return new Usage.Figures(total, f.lastSeen(), Map.copyOf(days));
  }

  /** Whether the last round reached Redis. */
  public boolean up() {
    return up;
  }

  private LocalDate today() {
    return LocalDate.now(clock.withZone(ZoneOffset.UTC));
  }

  /** One round: send what was counted, read back the watched users. Only on the thread. */
  private void sync() {
    long now = clock.millis();
    watched.values().removeIf(t -> now - t > WATCH_MILLIS);
    fleet.keySet().retainAll(watched.keySet());
    Map<String, Map<Long, Long>> sending = new HashMap<>();
    for (String user : List.copyOf(pending.keySet())) {
      Map<Long, Long> days = pending.remove(user);
      if (days != null && !days.isEmpty()) {
        sending.put(user, days);
      }
    }
    if (sending.isEmpty() && watched.isEmpty() && tried) {
      return;
    }
    boolean first = !tried;
    tried = true;
    boolean newUser = false;
    try {
      if (jedis == null) {
        jedis = new Jedis(uri, TIMEOUT_MILLIS);
      }
      if (first) {
        jedis.ping(); // so that the start says whether the store answers
      }
      Pipeline p = jedis.pipelined();
      long oldest = today().toEpochDay() - KEEP_DAYS;
      sending.forEach(
          (user, days) ->
              days.forEach(
                  (day, n) -> {
                    p.hincrBy(PREFIX + user, "total", n);
                    p.hincrBy(PREFIX + user, "d:" + day, n);
                  }));
      Map<String, Response<Map<String, String>>> reads = new HashMap<>();
      for (String user : watched.keySet()) {
        reads.put(user, p.hgetAll(PREFIX + user));
      }
      p.sync();
      for (var e : reads.entrySet()) {
        newUser |= !fleet.containsKey(e.getKey());
        fleet.put(e.getKey(), figures(e.getValue().get(), oldest));
      }
      if (!up) {
        up = true;
        log.info("usage store {} reachable again: quotas count the whole fleet", shown);
      } else if (first) {
        log.info("usage store {} answers: quotas count the whole fleet", shown);
      }
    } catch (RuntimeException e) {
      // Put back what was not sent: counted here, sent when Redis answers again.
      sending.forEach((user, days) -> days.forEach((day, n) -> addPending(user, day, n)));
      closeConnection();
      if (up) {
        up = false;
        log.error(
            "usage store {} unreachable ({}): counting on this relay alone until it answers",
            shown,
            e.getMessage());
      }
      return;
    }
    if (newUser) {
      onFetched.run();
    }
  }

  private static Usage.Figures figures(Map<String, String> hash, long oldest) {
    long total = 0;
    Map<Long, Long> days = new HashMap<>();
    for (var f : hash.entrySet()) {
      try {
        if (f.getKey().equals("total")) {
          total = Long.parseLong(f.getValue());
        } else if (f.getKey().startsWith("d:")) {
          long day = Long.parseLong(f.getKey().substring(2));
          if (day >= oldest) {
            days.put(day, Long.parseLong(f.getValue()));
          }
        }
      } catch (NumberFormatException e) {
        // a field someone else wrote: not ours to count
      }
    }
    return new Usage.Figures(total, null, Map.copyOf(days));
  }

  private void closeConnection() {
    if (jedis != null) {
      try {
        jedis.close();
      } catch (RuntimeException e) {
        // already broken
      }
      jedis = null;
    }
  }

  /** Sends what is left (waiting at most a few seconds) and stops. */
  @Override
  public void close() {
    thread.execute(this::sync);
    thread.execute(this::closeConnection);
    thread.shutdown();
    try {
      thread.awaitTermination(3, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.shutdownNow();
  }
}
