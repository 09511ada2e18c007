package io.sidestep.client.dashboard;

import io.sidestep.client.probe.ProbeList;
import io.sidestep.client.probe.ProbeReport;
import io.sidestep.client.probe.ProbeTarget;
import io.sidestep.client.probe.Prober;
import io.sidestep.core.detect.ProbeResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes the dashboard started: one at a time on a thread of their own, each with its progress and,
 * when done, its report. The last {@value #KEPT} are kept.
 */
final class ProbeJobs implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProbeJobs.class);

  static final int KEPT = 20;
  private static final int PARALLEL = 8;

  private final Supplier<Prober> prober;
  private final List<String> relays;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, Job> jobs = new ConcurrentHashMap<>();
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "sidestep-dashboard-probe");
            t.setDaemon(true);
            return t;
          });

  ProbeJobs(Supplier<Prober> prober, List<String> relays) {
    this.prober = prober;
    this.relays = List.copyOf(relays);
  }

  /** One probe: its targets, the results so far, and the report once all are in. */
  static final class Job {
    final int id;
    final List<ProbeTarget> targets;
    final List<String> skipped;
    final Instant started = Instant.now();
    private final List<ProbeResult> results = new ArrayList<>();
    private volatile ProbeReport report;
    private volatile String error;

    Job(int id, ProbeList list) {
      this.id = id;
      this.targets = list.targets();
      this.skipped = list.skipped();
    }

    synchronized Map<String, Object> view() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", id);
      m.put("total", targets.size());
      m.put("done", results.size());
      m.put("finished", report != null || error != null);
      m.put("error", error);
      m.put("skipped", skipped);
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ProbeResult r : results) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("host", r.host());
        row.put("verdict", r.verdict().label());
        row.put("technique", r.evidence().map(e -> e.technique().label()).orElse(null));
        row.put("detail", r.evidence().map(e -> e.text()).orElse(r.detail()));
        row.put("ms", r.took().toMillis());
        rows.add(row);
      }
      m.put("results", rows);
      return m;
    }

    synchronized void add(ProbeResult r) {
      results.add(r);
    }

    Optional<ProbeReport> report() {
      return Optional.ofNullable(report);
    }
  }

  /**
   * Starts probing the hosts of {@code list} (the {@code probe --list} format). A probe tries each
   * host directly, so none is started for a list with a host that must never be tried directly.
   *
   * @param neverDirect whether a host must never be tried directly (NEVER-DIRECT)
   * @throws IllegalArgumentException when the list names no host, or one that is never direct
   */
  Job start(String list, Predicate<ProbeTarget> neverDirect) {
    ProbeList parsed = ProbeList.parse("dashboard", list);
    if (parsed.targets().isEmpty()) {
      throw new IllegalArgumentException(
          "probe: no host in the list (expected: domain names, addresses or URLs, one a line)"
              + (parsed.skipped().isEmpty() ? "" : "; skipped " + parsed.skipped()));
    }
    List<String> never =
        parsed.targets().stream().filter(neverDirect).map(ProbeTarget::host).toList();
    if (!never.isEmpty()) {
      throw new IllegalArgumentException(
          "probe: not started, because a probe tries sites directly and this client never"
              + " tries these directly (NEVER-DIRECT): "
              + String.join(", ", never));
    }
    Job job = new Job(ids.incrementAndGet(), parsed);
    jobs.put(job.id, job);
    jobs.keySet().removeIf(id -> id <= job.id - KEPT);
    runner.execute(
        () -> {
          try (Prober p = prober.get()) {
            List<ProbeResult> results = p.probeAll(job.targets, PARALLEL, job::add);
            job.report = new ProbeReport(job.started, relays, results);
          } catch (InterruptedException e) {
            job.error = "interrupted";
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            LOG.warn("dashboard probe failed: {}", e.toString());
            job.error = e.toString();
          }
        });
    return job;
  }

  Optional<Job> find(int id) {
    return Optional.ofNullable(jobs.get(id));
  }

  @Override
  public void close() {
    runner.shutdownNow();
  }
}
