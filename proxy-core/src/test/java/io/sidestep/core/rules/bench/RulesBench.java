package io.sidestep.core.rules.bench;

import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Rules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decisions per second over 100,000 mixed rules ({@link BenchData}), and the time to load them. Run
 * with {@code proxy-core/bench.sh}.
 */
public class RulesBench {

  /** The loaded rules and a stream of 65,536 destinations, walked in order. */
  @State(Scope.Thread)
  public static class Stream {
    Rules rules;
    Destination[] hosts;
    int next;

    @Setup
    public void setup() throws IOException {
      Path dir = Files.createTempDirectory("sidestep-bench");
      Path file = dir.resolve("rules.txt");
      List<String> names = BenchData.writeRules(file);
      rules = Rules.load(file, null);
      hosts = BenchData.hosts(names, 1 << 16);
    }
  }

  /** The rules file on disk, for the load benchmark. */
  @State(Scope.Benchmark)
  public static class File {
    Path file;

    @Setup
    public void setup() throws IOException {
      Path dir = Files.createTempDirectory("sidestep-bench");
      file = dir.resolve("rules.txt");
      BenchData.writeRules(file);
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  public Decision decide(Stream s) {
    Destination d = s.hosts[s.next++ & (s.hosts.length - 1)];
    return s.rules.decide(d);
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Rules load(File f) {
    return Rules.load(f.file, null);
  }
}
