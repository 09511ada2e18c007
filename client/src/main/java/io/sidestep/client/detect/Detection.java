package io.sidestep.client.detect;

import io.sidestep.client.dial.AutoRoute;
import io.sidestep.core.detect.CheckBackoff;
import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.LearnedWriter;
import io.sidestep.core.detect.LineRate;
import io.sidestep.core.detect.LiveThrottleJudge;
import io.sidestep.core.detect.VerifiedHosts;
import io.sidestep.core.network.CurrentNetwork;
import io.sidestep.core.network.Network;
import io.sidestep.core.network.NetworkSource;
import io.sidestep.core.rules.LiveRules;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detection's shared state in a running client: the {@link Steps} (with their judges and outage
 * guard), the learned blocklist and the memory of verified certificates. {@link #autoRoute()} is
 * what the client's AUTO destinations use.
 *
 * <p>A learned host is told to the router at once ({@link LiveRules#learned}), so the very next
 * connection goes to the relay. Writing the learned file (which forces it to disk) happens on a
 * thread of its own ({@link LearnedWriter}: bounded, batched), never on an event loop, and the
 * router re-reads the file's learned part after each write.
 */
public final class Detection implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Detection.class);

  private final DetectionSettings settings;
  private final LearnedStore store;
  private final Clock clock;
  private final Steps steps;
  private final VerifiedHosts verified;
  private final VerifiedHosts verifiedHttp;
  private final LiveThrottleJudge liveThrottle;
  private final LineRate lineRate;
  private final CheckBackoff throttleBackoff;
  // Hosts learned whose entry is not written yet: a direct success racing the write must not drop
  // the entry.
  private final Set<String> writing = ConcurrentHashMap.newKeySet();
  private final LearnedWriter writer;
  private final CurrentNetwork network;
  private volatile LiveRules router;

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
    this(settings, stateDir, relayDns, trust, new CurrentNetwork(NetworkSource.NONE), clock);
  }

  /**
   * @param network the network hosts are learned on (and forgotten on when direct works again)
   */
  public Detection(
      DetectionSettings settings,
      Path stateDir,
      RelayResolver relayDns,
      X509TrustManager trust,
      CurrentNetwork network,
      Clock clock) {
    this.network = Objects.requireNonNull(network, "network");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.store = new LearnedStore(stateDir, settings.learnedFor(), LearnedStore.DEFAULT_MAX, clock);
    this.steps = new Steps(settings, relayDns, trust, clock);
    this.liveThrottle = new LiveThrottleJudge(clock);
    this.lineRate = new LineRate(clock);
    this.throttleBackoff = new CheckBackoff(clock);
    this.verified = new VerifiedHosts(settings.verifiedFor(), VerifiedHosts.DEFAULT_MAX, clock);
    this.verifiedHttp = new VerifiedHosts(settings.verifiedFor(), VerifiedHosts.DEFAULT_MAX, clock);
    this.writer = new LearnedWriter(store, LearnedWriter.DEFAULT_CAPACITY, this::written);
  }

  /**
   * Keeps {@code router} in step with what detection learns: each host at once, and the learned
   * file's part re-read after each write.
   */
  public void onLearned(LiveRules router) {
    this.router = Objects.requireNonNull(router, "router");
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

  LiveThrottleJudge liveThrottleJudge() {
    return liveThrottle;
  }

  /** The user's line speed: recent direct transfers, by host. */
  LineRate lineRate() {
    return lineRate;
  }

  /** When a slow host may be checked for throttling again. */
  CheckBackoff throttleBackoff() {
    return throttleBackoff;
  }

  /**
   * Learns {@code host} on the current network: at once in the router, then in the learned file
   * (off this thread). A failure may also mean the computer moved, so the network is read again.
   */
  void learn(String host, Evidence evidence) {
    Optional<Network> on = network.current();
    network.recheckSoon();
    LiveRules r = router;
    if (r != null) {
      r.learned(host, evidence.summary(), clock.instant().plus(settings.learnedFor()));
    }
    writing.add(host);
    LOG.info(
        "learned {}: {}; on network {}",
        host,
        evidence.summary(),
        on.map(Network::id).orElse("unknown"));
    if (!writer.learn(host, evidence, on)) {
      writing.remove(host);
    }
  }

  /** {@code host} was only slow, not blocked: said in the log, as a learned host would be. */
  void slowSite(String host, String text) {
    LOG.info("not learned {}: {}", host, text);
  }

  /**
   * The direct path to {@code host} worked: if the learned file still has an entry for it that
   * applies on this network (expired, or the router would not have sent it here), the block is gone
   * here and the entry is dropped; what other networks learned stays.
   */
  void directWorked(String host) {
    if (!writing.contains(host)) {
      writer.forgetIfStored(host, network.current());
    }
  }

  /** On the writer thread, after each write of the learned file. */
  private void written(List<LearnedStore.Change> made) {
    for (LearnedStore.Change c : made) {
      if (c instanceof LearnedStore.Change.Learn l) {
        writing.remove(l.host());
      } else {
        LOG.info("{}: direct works again; dropped from the learned blocklist", c.host());
      }
    }
    LiveRules r = router;
    if (r != null) {
      r.reloadLearned();
    }
  }

  /** Waits (a little) for pending writes of the learned file. */
  @Override
  public void close() {
    writer.close();
  }
}
