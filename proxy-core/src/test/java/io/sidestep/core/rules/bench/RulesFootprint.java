package io.sidestep.core.rules.bench;

import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Rules;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Loads the benchmark's 100,000 rules and prints the load time (cold, then warm) and the heap the
 * loaded rules keep, measured as used heap after GC before and after. Run it with {@code -Xmx64m}
 * to show that loading fits in 64 MB. Also prints how the host stream's decisions fall, so the
 * benchmark's mix can be judged.
 */
public final class RulesFootprint {
  private RulesFootprint() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("sidestep-footprint");
    Path file = dir.resolve("rules.txt");
    List<String> names = BenchData.writeRules(file);
    Destination[] hosts = BenchData.hosts(names, 1 << 16);
    long before = usedAfterGc();
    long t0 = System.nanoTime();
    Rules rules = Rules.load(file, null);
    long cold = System.nanoTime() - t0;
    long after = usedAfterGc();
    System.out.printf(
        "rules: %d lines, %d entries; file %.1f MB%n",
        rules.ruleCount(), rules.entryCount(), Files.size(file) / 1e6);
    System.out.printf("load (cold JVM): %d ms%n", cold / 1_000_000);
    System.out.printf(
        "heap kept by the loaded rules: %.1f MB (max heap %d MB)%n",
        (after - before) / 1e6, Runtime.getRuntime().maxMemory() / (1024 * 1024));
    Map<Action, Integer> mix = new EnumMap<>(Action.class);
    for (Destination d : hosts) {
      mix.merge(rules.decide(d).action(), 1, Integer::sum);
    }
    System.out.println("host stream decisions: " + mix + " of " + hosts.length);
    // Decisions per second of this thread's CPU time: unlike wall-clock throughput, it does not
    // drop when a shared machine takes the core away (cache contention still counts).
    java.lang.management.ThreadMXBean cpu =
        java.lang.management.ManagementFactory.getThreadMXBean();
    int sink = 0;
    for (int pass = 0; pass < 30; pass++) {
      for (Destination d : hosts) {
        sink += rules.decide(d).action().ordinal();
      }
    }
    long bestNanos = Long.MAX_VALUE;
    for (int rep = 0; rep < 5; rep++) {
      long c0 = cpu.getCurrentThreadCpuTime();
      for (int pass = 0; pass < 10; pass++) {
        for (Destination d : hosts) {
          sink += rules.decide(d).action().ordinal();
        }
      }
      bestNanos = Math.min(bestNanos, cpu.getCurrentThreadCpuTime() - c0);
    }
    System.out.printf(
        "decisions per CPU-second, one thread (best of 5 x %d): %.2f million (%d)%n",
        10 * hosts.length, 10.0 * hosts.length / bestNanos * 1e3, sink & 1);
    int entries = rules.entryCount();
    rules = null; // one copy at a time below, as a live reload would
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      long t = System.nanoTime();
      rules = Rules.load(file, null);
      best = Math.min(best, System.nanoTime() - t);
      if (rules.entryCount() != entries) {
        throw new IllegalStateException("loads differ");
      }
      rules = null;
    }
    System.out.printf("load (warm, best of 5): %d ms%n", best / 1_000_000);
  }

  private static long usedAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
