package io.sidestep.client.detect;

import io.sidestep.client.dial.AutoRoute;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.LearnedWriter;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.detect.VerifiedHosts;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection's shared state in a running client: the {@link Steps} (with their judges and outage
 * guard), the learned blocklist, the memory of verified certificates, and the hosts learned since
 * start (so that the very next connection goes to the relay even before the router has re-read the
 * learned file). {@link #autoRoute()} is what the client's AUTO destinations use.
 *
 * <p>Writing the learned file (which forces it to disk) happens on a thread of its own ({@link
 * LearnedWriter}: bounded, batched), never on an event loop; {@code onLearned} runs after each
 * write (the client reloads its router's learned part there).
 */
public final class Detection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Detection.class);
  private static final int MAX_RECENT = 10_000;

  private final DetectionSettings settings;
  private final LearnedStore store;
  private final Clock clock;
  private final Steps steps;
  private final VerifiedHosts verified;
  private final VerifiedHosts verifiedHttp;
  private final ThrottleJudge throttle;
  private final Map<String, Long> throttleChecked =
      java.util.Collections.synchronizedMap(
          new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
              return size() > MAX_RECENT;
            }
          });
  private final Map<String, Evidence> recent;
  private final LearnedWriter writer;
  private volatile Runnable onLearned = () -> {};
  // With a router that re-reads the learned file, the in-memory entry is needed only until that
  // reload; dropping it then lets a line the user deletes take effect.
  private volatile boolean routerFollows;

  /**
   * @param stateDir where {@code learned.rules} lives
   * @param relayDns the relay's resolver (the control for DNS answers)
   * @param trust the trust store for the interception check (the JVM's in production)
   */
  public Detection(
      DetectionSettings settings,
      Path stateDir,
      RelayResolver relayDns,
      X509TrustManager trust,
      Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.store = new LearnedStore(stateDir, settings.learnedFor(), LearnedStore.DEFAULT_MAX, clock);
    this.steps = new Steps(settings, relayDns, trust, clock);
    // Real traffic gives one slow download at a time; two relay downloads are its control.
    this.throttle =
        new ThrottleJudge(
            new ThrottleJudge.Thresholds(1, 65536, 0.2, 100_000, java.time.Duration.ofSeconds(2)),
            clock);
    this.verified = new VerifiedHosts(settings.verifiedFor(), VerifiedHosts.DEFAULT_MAX, clock);
    this.verifiedHttp = new VerifiedHosts(settings.verifiedFor(), VerifiedHosts.DEFAULT_MAX, clock);
    this.recent =
        java.util.Collections.synchronizedMap(
            new LinkedHashMap<>() {
              @Override
              protected boolean removeEldestEntry(Map.Entry<String, Evidence> eldest) {
                return size() > MAX_RECENT;
              }
            });
    this.writer = new LearnedWriter(store, LearnedWriter.DEFAULT_CAPACITY, this::written);
  }

  /** Runs after every write of the learned file, e.g. {@code liveRules::reloadLearned}. */
  public void onLearned(Runnable action) {
    this.onLearned = Objects.requireNonNull(action, "action");
    this.routerFollows = true;
  }

  /** The AUTO route that detects interference. */
  public AutoRoute autoRoute() {
    return session -> new Attempt(this, session).start();
  }

  public DetectionSettings settings() {
    return settings;
  }

  public LearnedStore store() {
    return store;
  }

  /** The steps and judges, shared with {@code probe}. */
  Steps steps() {
    return steps;
  }

  VerifiedHosts verified() {
    return verified;
  }

  /** Plain-HTTP destinations whose answer matched the relay's recently (24 h by default). */
  VerifiedHosts verifiedHttp() {
    return verifiedHttp;
  }

  ThrottleJudge throttleJudge() {
    return throttle;
  }

  /** Whether a slow download from {@code host} may be checked against the relay (once an hour). */
  boolean throttleCheckDue(String host) {
    long now = System.nanoTime();
    Long last = throttleChecked.get(host);
    if (last != null && now - last < java.util.concurrent.TimeUnit.HOURS.toNanos(1)) {
      return false;
    }
    throttleChecked.put(host, now);
    return true;
  }

  /** What was learned about {@code host} since start, if anything: route it to the relay now. */
  public Optional<Evidence> learnedSinceStart(String host) {
    Evidence e = recent.get(host);
    if (e == null || !e.time().plus(settings.learnedFor()).isAfter(clock.instant())) {
      return Optional.empty();
    }
    return Optional.of(e);
  }

  /** Learns {@code host}: at once in memory, then in the learned file (off the caller's thread). */
  void learn(String host, Evidence evidence) {
    recent.put(host, evidence);
    LOG.info("learned {}: {}", host, evidence.summary());
    writer.learn(host, evidence);
  }

  /** {@code host} was only slow, not blocked: said in the log, as a learned host would be. */
  void slowSite(String host, String text) {
    LOG.info("not learned {}: {}", host, text);
  }

  /**
   * The direct path to {@code host} worked: if the learned file still has an entry for it (expired,
   * or the router would not have sent it here), the block is gone and the entry is dropped.
   */
  void directWorked(String host) {
    if (!recent.containsKey(host)) {
      writer.forgetIfStored(host);
    }
  }

  /** On the writer thread, after each write of the learned file. */
  private void written(List<LearnedStore.Change> made) {
    for (LearnedStore.Change c : made) {
      if (c instanceof LearnedStore.Change.Learn l) {
        if (routerFollows) {
          recent.remove(l.host(), l.evidence());
        }
      } else {
        LOG.info("{}: direct works again; dropped from the learned blocklist", c.host());
      }
    }
    onLearned.run();
  }

  /** Waits (a little) for pending writes of the learned file. */
  @Override
  public void close() {
    writer.close();
  }
}
