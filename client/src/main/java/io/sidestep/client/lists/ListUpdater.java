package io.sidestep.client.lists;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.RemoteList;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the lists the rules file names by URL up to date, fetching each one only through a relay,
 * so that a censor who blocks the list's server cannot stop the update, and the local network never
 * sees which list is fetched.
 *
 * <p>A list is fetched when the client starts without a copy, and then every {@code interval=} (24
 * h by default) after the copy's fetch time. A fetch is an HTTPS GET (the origin's certificate
 * checked against the given roots and the URL's host), up to {@link #MAX_LIST_BYTES} (16 MiB)
 * within {@link #TIMEOUT} (60 s), following up to 5 redirects to https URLs only. The copy must be
 * a list the rules can read, with at least one entry; with {@code pubkey=} its detached signature
 * is fetched the same way and must verify. Only then does the copy replace the stored one
 * (atomically) and the rules pick it up. Anything else keeps the old copy, is logged once per
 * attempt with the reason, and is tried again after 1 min, then 2, 4, … up to the interval.
 */
public final class ListUpdater implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListUpdater.class);

  /** The largest list fetched: 16 MiB. */
  public static final int MAX_LIST_BYTES = 16 * 1024 * 1024;

  /** The largest signature file fetched: 4 KiB. */
  static final int MAX_SIGNATURE_BYTES = 4096;

  /** The time limit for one request, relay tunnel included: 60 s. */
  public static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** The first wait after a failed fetch: 1 min, doubling with each failure up to the interval. */
  public static final Duration FIRST_RETRY = Duration.ofMinutes(1);

  /** How often the updater looks for lists that are due: 10 s. */
  public static final Duration TICK = Duration.ofSeconds(10);

  static final int MAX_REDIRECTS = 5;

  /**
   * A list as the dashboard shows it.
   *
   * @param url the list's URL
   * @param fetchedAt when the copy in use was fetched; empty when there is none
   * @param lastAttempt when a fetch was last tried in this run; empty before the first
   * @param ok whether the last attempt succeeded (true before the first, when a copy exists)
   * @param message what the last attempt did, in words
   * @param nextAttempt when the next fetch is due
   */
  public record Status(
      String url,
      Optional<Instant> fetchedAt,
      Optional<Instant> lastAttempt,
      boolean ok,
      String message,
      Instant nextAttempt) {}

  private static final class State {
    Instant next;
    Instant lastAttempt;
    int failures;
    boolean ok = true;
    String message = "not fetched yet";
  }

  private final Supplier<List<RemoteList>> lists;
  private final ListCache cache;
  private final RelayConnector relays;
  private final EventLoopGroup group;
  private final SslContext tls;
  private final Clock clock;
  private final Runnable onStored;
  private final Map<String, State> states = new LinkedHashMap<>(); // guarded by this
  // One fetch at a time, whether from the timer or a caller.
  private final Object fetching = new Object();
  private ScheduledExecutorService timer;

  /**
   * @param lists the lists the rules name now (read at every look, so edits of the rules file
   *     count)
   * @param relays the client's relay client; every fetch goes through it
   * @param trust the roots an origin's certificate must chain to
   * @param onStored run after a new copy is stored (the rules re-read their files)
   */
  public ListUpdater(
      Supplier<List<RemoteList>> lists,
      ListCache cache,
      RelayConnector relays,
      EventLoopGroup group,
      X509TrustManager trust,
      Clock clock,
      Runnable onStored) {
    this.lists = Objects.requireNonNull(lists, "lists");
    this.cache = Objects.requireNonNull(cache, "cache");
    this.relays = Objects.requireNonNull(relays, "relays");
    this.group = Objects.requireNonNull(group, "group");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.onStored = Objects.requireNonNull(onStored, "onStored");
    try {
      this.tls =
          SslContextBuilder.forClient()
              .sslProvider(SslProvider.JDK)
              .trustManager(Objects.requireNonNull(trust, "trust"))
              .protocols("TLSv1.3", "TLSv1.2")
              .build();
    } catch (SSLException e) {
      throw new IllegalStateException("lists: cannot set up TLS: " + e.getMessage(), e);
    }
  }

  /** Looks for due lists now and then every {@code tick} on a daemon thread of its own. */
  public ListUpdater start(Duration tick) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "sidestep-lists");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::tickSafely, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  private void tickSafely() {
    try {
      tick();
    } catch (RuntimeException e) {
      // One failed look must not stop updates for good.
      LOG.error("lists: update failed: {}", e.toString());
    }
  }

  /** Fetches every list that is due now, one after the other; returns how many were tried. */
  public int tick() {
    synchronized (fetching) {
      return tickLocked();
    }
  }

  private int tickLocked() {
    List<RemoteList> now = lists.get();
    Set<String> urls = now.stream().map(RemoteList::url).collect(Collectors.toSet());
    List<RemoteList> due = new ArrayList<>();
    synchronized (this) {
      states.keySet().retainAll(urls);
      Instant t = clock.instant();
      for (RemoteList l : now) {
        State s = states.computeIfAbsent(l.url(), u -> first(l, t));
        if (!s.next.isAfter(t) && due.stream().noneMatch(d -> d.url().equals(l.url()))) {
          due.add(l);
        }
      }
    }
    for (RemoteList l : due) {
      updateLocked(l);
    }
    return due.size();
  }

  private State first(RemoteList l, Instant now) {
    State s = new State();
    Optional<Instant> fetched = cache.fetchedAt(l.url());
    s.next = fetched.map(f -> f.plus(l.interval())).orElse(now);
    if (fetched.isPresent()) {
      s.message = "using the copy fetched at " + fetched.get();
    } else {
      s.ok = false;
    }
    return s;
  }

  /** Fetches one list now, whatever its schedule, and stores it when it is good. */
  public Status update(RemoteList list) {
    synchronized (fetching) {
      return updateLocked(list);
    }
  }

  private Status updateLocked(RemoteList list) {
    Instant started = clock.instant();
    String result;
    boolean ok;
    try {
      byte[] body = fetch(list.url(), MAX_LIST_BYTES);
      int entries;
      try {
        entries = list.check(body);
      } catch (IllegalArgumentException e) {
        throw new HttpsGet.FetchException("not a usable list: " + e.getMessage());
      }
      String signed = "";
      if (list.signatureUrl().isPresent() && list.publicKey().isPresent()) {
        String sigUrl = list.signatureUrl().get();
        byte[] sig = fetch(sigUrl, MAX_SIGNATURE_BYTES);
        try {
          list.verify(body, sig);
        } catch (IllegalArgumentException e) {
          throw new HttpsGet.FetchException("bad signature " + sigUrl + ": " + e.getMessage());
        }
        signed = ", signature good";
      }
      cache.store(list.url(), body);
      ok = true;
      result = "fetched %d bytes, %d entries%s".formatted(body.length, entries, signed);
      LOG.info("list {}: through the relay, {}", list.url(), result);
    } catch (HttpsGet.FetchException | java.io.UncheckedIOException e) {
      ok = false;
      result = e.getMessage();
    }
    if (!ok && Thread.currentThread().isInterrupted()) {
      // Stopped while fetching (the client is closing): nothing failed, nothing to retry.
      synchronized (this) {
        return status(list.url(), states.computeIfAbsent(list.url(), u -> first(list, started)));
      }
    }
    Status status;
    synchronized (this) {
      State s = states.computeIfAbsent(list.url(), u -> first(list, clock.instant()));
      s.lastAttempt = started;
      s.ok = ok;
      if (ok) {
        s.failures = 0;
        s.next = clock.instant().plus(list.interval());
        s.message = result;
      } else {
        s.failures++;
        Duration wait = backOff(s.failures, list.interval());
        s.next = clock.instant().plus(wait);
        Optional<Instant> kept = cache.fetchedAt(list.url());
        s.message =
            result
                + kept.map(k -> "; keeping the copy fetched at " + k)
                    .orElse("; no copy yet, so its rule matches nothing");
        LOG.warn(
            "list {} ({}): fetch failed: {}; next try in {}",
            list.url(),
            list.source(),
            s.message,
            describe(wait));
      }
      status = status(list.url(), s);
    }
    if (ok) {
      onStored.run();
    }
    return status;
  }

  /** The wait after the {@code failures}-th failure in a row: 1 min, 2, 4, … up to the interval. */
  static Duration backOff(int failures, Duration interval) {
    int shift = Math.min(failures - 1, 20);
    Duration d = FIRST_RETRY.multipliedBy(1L << shift);
    return d.compareTo(interval) > 0 ? interval : d;
  }

  private static String describe(Duration d) {
    long s = d.toSeconds();
    return s % 3600 == 0 ? s / 3600 + " h" : s % 60 == 0 ? s / 60 + " min" : s + " s";
  }

  /** Every list the rules name now, with what its last fetch did. */
  public List<Status> statuses() {
    List<RemoteList> now = lists.get();
    List<Status> out = new ArrayList<>();
    synchronized (this) {
      for (RemoteList l : now) {
        State s = states.computeIfAbsent(l.url(), u -> first(l, clock.instant()));
        out.add(status(l.url(), s));
      }
    }
    return out;
  }

  private Status status(String url, State s) {
    return new Status(
        url, cache.fetchedAt(url), Optional.ofNullable(s.lastAttempt), s.ok, s.message, s.next);
  }

  /** GETs {@code url} through a relay, following redirects to https URLs only. */
  private byte[] fetch(String url, int maxBytes) throws HttpsGet.FetchException {
    URI uri = URI.create(url);
    for (int hop = 0; ; hop++) {
      HttpsGet.Answer a = await(HttpsGet.get(relays, group.next(), tls, uri, maxBytes, TIMEOUT));
      int code = a.status();
      if (code == 200) {
        return a.body();
      }
      if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
        if (a.location() == null) {
          throw new HttpsGet.FetchException(uri + ": redirect " + code + " without a Location");
        }
        if (hop == MAX_REDIRECTS) {
          throw new HttpsGet.FetchException(
              url + ": more than " + MAX_REDIRECTS + " redirects (expected: at most 5)");
        }
        URI next;
        try {
          next = uri.resolve(a.location());
        } catch (IllegalArgumentException e) {
          throw new HttpsGet.FetchException(uri + ": redirect to a bad URL " + a.location());
        }
        if (!"https".equalsIgnoreCase(next.getScheme()) || next.getHost() == null) {
          throw new HttpsGet.FetchException(
              uri + ": redirect to " + next + " refused (expected: https only)");
        }
        uri = next;
        continue;
      }
      throw new HttpsGet.FetchException(uri + ": HTTP " + code + " (expected: 200)");
    }
  }

  private static <T> T await(io.netty.util.concurrent.Future<T> f) throws HttpsGet.FetchException {
    try {
      return f.get(TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HttpsGet.FetchException fe) {
        throw fe;
      }
      throw new HttpsGet.FetchException(String.valueOf(e.getCause()));
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new HttpsGet.FetchException("no answer within " + TIMEOUT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HttpsGet.FetchException("interrupted");
    }
  }

  /** Stops looking for due lists; a fetch under way is abandoned. */
  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
