package io.sidestep.client.probe;

import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.client.probe.PlantedLoopback.Planted;
import io.sidestep.core.detect.ProbeResult;
import io.sidestep.core.detect.ProbeVerdict;
import io.sidestep.core.testing.TestLists;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code probe} benchmark: how long {@link Prober#probeAll} (what {@code probe --list kz.csv
 * --dns … --relay …} runs) takes over every host of Citizen Lab's Kazakhstan list on loopback, with
 * a planted mix of outcomes ({@link PlantedLoopback}), at the command's default parallelism and, as
 * the baseline measured in the same run, one host at a time over a sample of each outcome,
 * extrapolated. Every verdict is checked against what was planted; any mismatch fails the run.
 *
 * <p>Run by {@code bench/probe.sh}; not a test, so {@code mvn verify} never runs it. Arguments:
 * {@code --runs N} (3), {@code --parallel N} (32, the command's default), {@code --sample N} (4
 * hosts of each outcome for the serial baseline), {@code --list FILE} (kz.csv from {@link
 * TestLists}).
 */
public final class ProbeBench {

  private ProbeBench() {}

  /** One probe run: its wall time and results. */
  private record Run(Duration wall, List<ProbeResult> results) {}

  public static void main(String[] args) throws Exception {
    int runs = 3;
    int parallel = 32;
    int sample = 4;
    Path list = TestLists.file("kz.csv");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(a + ": no value (expected: " + a + " VALUE)");
      }
      String v = args[++i];
      switch (a) {
        case "--runs" -> runs = positive(a, v);
        case "--parallel" -> parallel = positive(a, v);
        case "--sample" -> sample = positive(a, v);
        case "--list" -> list = Path.of(v);
        default ->
            throw new IllegalArgumentException(
                "option '" + a + "' (expected: --runs, --parallel, --sample, --list)");
      }
    }
    if (!Files.isReadable(list)) {
      throw new IllegalArgumentException("list " + list + " cannot be read (expected: a file)");
    }
    ProbeList read = ProbeList.read(list);
    System.exit(run(list, read, runs, parallel, sample) ? 0 : 1);
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + ": '" + value + "' (expected: 1 or more)");
  }

  private static boolean run(Path list, ProbeList read, int runs, int parallel, int sampleSize)
      throws Exception {
    Path tmp = Files.createTempDirectory("sidestep-probe-bench");
    String loadBefore = loadAverage();
    List<String> mismatches = new ArrayList<>();
    try (PlantedLoopback net = new PlantedLoopback(read.targets(), tmp)) {
      List<ProbeTarget> targets = net.targets();
      long withHttp = targets.stream().filter(ProbeTarget::hasHttp).count();
      System.out.printf(
          Locale.ROOT,
          "probe benchmark: %s on loopback (fake DNS, in-process relay, origins and censor boxes"
              + " on 127.0.0.x)%n",
          list.getFileName());
      System.out.printf(
          Locale.ROOT,
          "hosts           %d (%d also probed over plain HTTP; %d list lines skipped)%n",
          targets.size(),
          withHttp,
          read.skipped().size());
      System.out.printf(Locale.ROOT, "planted         %s%n", describe(net.counts()));
      System.out.printf(Locale.ROOT, "parallelism     %d%n", parallel);

      List<Run> all = new ArrayList<>();
      for (int i = 0; i < runs; i++) {
        Run r = probe(net, targets, parallel);
        all.add(r);
        check(net, r, "parallel run " + (i + 1), mismatches);
        System.out.printf(Locale.ROOT, "  run %d: %s%n", i + 1, seconds(r.wall()) + " s wall time");
      }
      List<Run> byWall = new ArrayList<>(all);
      byWall.sort(Comparator.comparing(Run::wall));
      Run median = byWall.get((byWall.size() - 1) / 2);
      System.out.printf(
          Locale.ROOT,
          "wall time       %s s (median of %d runs; min %s s, max %s s)%n",
          seconds(median.wall()),
          runs,
          seconds(byWall.get(0).wall()),
          seconds(byWall.get(byWall.size() - 1).wall()));
      System.out.println(
          "verdicts of the median run, by planted outcome with the median time per host:");
      System.out.println(verdictTable(net, median.results()));

      // The baseline: one host at a time over a sample of each outcome, extrapolated by outcome.
      List<ProbeTarget> sample = net.sample(sampleSize);
      Run serial = probe(net, sample, 1);
      check(net, serial, "serial sample", mismatches);
      Map<Planted, List<Duration>> took = new EnumMap<>(Planted.class);
      for (ProbeResult r : serial.results()) {
        took.computeIfAbsent(net.planted(r.host()), k -> new ArrayList<>()).add(r.took());
      }
      double sampleSum = serial.results().stream().mapToDouble(r -> secs(r.took())).sum();
      // Time between hosts (scheduling, the semaphore) counts too: spread it over the sample.
      double between = Math.max(0, secs(serial.wall()) - sampleSum) / sample.size();
      double extrapolated = 0;
      StringBuilder per = new StringBuilder();
      for (Map.Entry<Planted, Integer> e : net.counts().entrySet()) {
        List<Duration> d = took.getOrDefault(e.getKey(), List.of());
        double mean = d.stream().mapToDouble(ProbeBench::secs).average().orElse(0) + between;
        extrapolated += mean * e.getValue();
        per.append(
            String.format(
                Locale.ROOT,
                "%s%s %d x %.3f s",
                per.length() == 0 ? "" : ", ",
                e.getKey().label(),
                e.getValue(),
                mean));
      }
      System.out.printf(
          Locale.ROOT,
          "serial baseline %.1f s: --parallel 1 over %d hosts (%d of each outcome) took %s s,"
              + " extrapolated to the list by outcome (%s)%n",
          extrapolated,
          sample.size(),
          sampleSize,
          seconds(serial.wall()),
          per);
      System.out.printf(
          Locale.ROOT,
          "speed-up        %.1f x (serial baseline / median wall time)%n",
          extrapolated / secs(median.wall()));
      double sumParallel = median.results().stream().mapToDouble(r -> secs(r.took())).sum();
      System.out.printf(
          Locale.ROOT,
          "for reference   the per-host durations of the median run add up to %.1f s (each host"
              + " slowed by the %d others in flight)%n",
          sumParallel,
          parallel - 1);
    } finally {
      deleteTree(tmp);
    }
    System.out.printf(
        Locale.ROOT,
        "load average    before %s, after %s (%d CPUs)%n",
        loadBefore,
        loadAverage(),
        Runtime.getRuntime().availableProcessors());
    if (mismatches.isEmpty()) {
      System.out.printf(
          Locale.ROOT,
          "check           every verdict matches the planted outcome (%d parallel runs and the"
              + " serial sample)%n",
          runs);
      return true;
    }
    System.out.printf(Locale.ROOT, "check           %d MISMATCHES:%n", mismatches.size());
    mismatches.stream().limit(40).forEach(m -> System.out.println("  " + m));
    return false;
  }

  private static Run probe(PlantedLoopback net, List<ProbeTarget> targets, int parallel)
      throws Exception {
    DnsServerResolver resolver = net.resolver();
    try (Prober p =
        new Prober(
            List.of(net.key()),
            resolver,
            PlantedLoopback.settings(),
            net.trust(),
            Clock.systemUTC())) {
      long start = System.nanoTime();
      List<ProbeResult> results = p.probeAll(targets, parallel, r -> {});
      return new Run(Duration.ofNanos(System.nanoTime() - start), results);
    } finally {
      resolver.close();
    }
  }

  private static void check(PlantedLoopback net, Run run, String what, List<String> out) {
    for (ProbeResult r : run.results()) {
      Optional<String> m = net.mismatch(r);
      m.ifPresent(s -> out.add(what + ": " + s));
    }
  }

  private static String verdictTable(PlantedLoopback net, List<ProbeResult> results) {
    Map<ProbeVerdict, Map<Planted, List<Duration>>> by = new EnumMap<>(ProbeVerdict.class);
    for (ProbeResult r : results) {
      by.computeIfAbsent(r.verdict(), k -> new EnumMap<>(Planted.class))
          .computeIfAbsent(net.planted(r.host()), k -> new ArrayList<>())
          .add(r.took());
    }
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(Locale.ROOT, "  %-10s %6s  %s%n", "verdict", "hosts", "planted (median)"));
    for (Map.Entry<ProbeVerdict, Map<Planted, List<Duration>>> e : by.entrySet()) {
      int n = e.getValue().values().stream().mapToInt(List::size).sum();
      StringBuilder from = new StringBuilder();
      e.getValue()
          .forEach(
              (p, d) ->
                  from.append(from.length() == 0 ? "" : ", ")
                      .append(
                          String.format(
                              Locale.ROOT,
                              "%s %d (%d ms)",
                              p.label(),
                              d.size(),
                              d.stream().sorted().toList().get((d.size() - 1) / 2).toMillis())));
      b.append(String.format(Locale.ROOT, "  %-10s %6d  %s%n", e.getKey().label(), n, from));
    }
    b.append(String.format(Locale.ROOT, "  %-10s %6d", "total", results.size()));
    return b.toString();
  }

  private static String describe(Map<Planted, Integer> counts) {
    StringBuilder b = new StringBuilder();
    counts.forEach(
        (p, n) -> b.append(b.length() == 0 ? "" : ", ").append(p.label()).append(' ').append(n));
    return b.toString();
  }

  private static double secs(Duration d) {
    return d.toNanos() / 1e9;
  }

  private static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.2f", secs(d));
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static void deleteTree(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (java.io.IOException e) {
                  // a temporary folder: leave what cannot be deleted
                }
              });
    } catch (java.io.IOException e) {
      // nothing to clean
    }
  }
}
