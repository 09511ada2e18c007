package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Rules;
import io.sidestep.core.testing.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class LearnedStoreTest {
  @TempDir Path state;
  private final ManualClock clock = ManualClock.atDefault();

  private Evidence silence() {
    return Evidence.of(
        Technique.TLS_SILENCE, "no byte 3000 ms after ClientHello; relay handshake ok", clock);
  }

  private List<String> lines() throws IOException {
    return Files.readAllLines(state.resolve("learned.rules"), StandardCharsets.UTF_8);
  }

  private List<String> entryLines() throws IOException {
    return lines().stream().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
  }

  @Test
  void writesTheAgreedFormatExactly() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("Blocked.Example.", silence());
    assertThat(entryLines())
        .containsExactly(
            "DOMAIN,blocked.example,RELAY # technique=8 tls-silence; evidence=no byte 3000 ms"
                + " after ClientHello, relay handshake ok; learned=2026-11-27T18:00:00Z;"
                + " expires=2026-12-04T18:00:00Z");
    assertThat(lines().get(0)).startsWith("# Sidestep learned blocklist");
    assertThat(lines())
        .contains("# client forget a host. Rules in your own rules file always come first.");
  }

  @Test
  void entriesReadBackWithTheirEvidence() {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("blocked.example", silence());
    LearnedStore.Entry e = new LearnedStore(state, clock).find("BLOCKED.example").orElseThrow();
    assertThat(e.host()).isEqualTo("blocked.example");
    assertThat(e.technique()).isEqualTo(Technique.TLS_SILENCE);
    assertThat(e.evidence().text())
        .isEqualTo("no byte 3000 ms after ClientHello, relay handshake ok");
    assertThat(e.learned()).isEqualTo(Instant.parse("2026-11-27T18:00:00Z"));
    assertThat(e.expires()).isEqualTo(Instant.parse("2026-12-04T18:00:00Z"));
  }

  @Test
  void evidenceIsSanitisedToOneLine() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn(
        "x.example",
        Evidence.of(Technique.HTTP_BLOCKPAGE, "title 'a # b'\nsecond line; more", clock));
    assertThat(entryLines()).hasSize(1);
    assertThat(entryLines().get(0))
        .contains("evidence=title 'a no. b' second line, more; learned=");
    assertThat(entryLines().get(0).indexOf(" # "))
        .isEqualTo(entryLines().get(0).lastIndexOf(" # "));
    assertThat(store.find("x.example")).isPresent();
  }

  @Test
  void ipLiteralHostsAreWrittenAsIpRules() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    Evidence refused =
        Evidence.of(Technique.TCP_REFUSED, "connect refused; relay connect ok", clock);
    store.learn("203.0.113.9", refused);
    store.learn("[2001:DB8::9]", refused);
    assertThat(entryLines())
        .anyMatch(l -> l.startsWith("IP-CIDR,203.0.113.9/32,RELAY,no-resolve # technique=6"))
        .anyMatch(l -> l.startsWith("IP-CIDR6,2001:db8::9/128,RELAY,no-resolve # technique=6"));
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("203.0.113.9", "2001:db8::9");
  }

  @Test
  void aLineTheUserDeletedStaysDeleted() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("a.example", silence());
    store.learn("b.example", silence());
    Path file = state.resolve("learned.rules");
    List<String> kept = lines().stream().filter(l -> !l.contains("a.example")).toList();
    Files.write(file, kept, StandardCharsets.UTF_8);
    store.learn("c.example", silence());
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("b.example", "c.example");
  }

  @Test
  void foreignLinesAndUserCommentsAreKept() throws IOException {
    Path file = state.resolve("learned.rules");
    Files.writeString(
        file, "# an old header\n\nDOMAIN,mine.example,RELAY\n# my note\n", StandardCharsets.UTF_8);
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("a.example", silence());
    assertThat(lines()).contains("DOMAIN,mine.example,RELAY", "# my note");
    assertThat(lines()).doesNotContain("# an old header");
    assertThat(store.entries()).extracting(LearnedStore.Entry::host).containsExactly("a.example");
  }

  @Test
  void itIsBoundedAndDropsTheOldestFirst() {
    LearnedStore store = new LearnedStore(state, Duration.ofDays(7), 3, clock);
    for (String h : List.of("a.example", "b.example", "c.example", "d.example")) {
      store.learn(h, silence());
      clock.advance(Duration.ofMinutes(1));
    }
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("b.example", "c.example", "d.example");
    store.learn("b.example", silence()); // renewing b makes c the oldest
    store.learn("e.example", silence());
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("d.example", "b.example", "e.example");
  }

  @Test
  void expiredEntriesAreDueForRecheckAndRenewOrForget() {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("a.example", silence());
    clock.advance(Duration.ofDays(1));
    store.learn("b.example", silence());
    clock.advance(Duration.ofDays(6).minusSeconds(1));
    assertThat(due(store)).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    assertThat(due(store)).extracting(LearnedStore.Entry::host).containsExactly("a.example");
    LearnedStore.Entry renewed = store.learn("a.example", silence());
    assertThat(renewed.expires()).isEqualTo(clock.instant().plus(LearnedStore.DEFAULT_TTL));
    assertThat(due(store)).isEmpty();
    clock.advance(Duration.ofDays(1));
    assertThat(due(store)).extracting(LearnedStore.Entry::host).containsExactly("b.example");
    assertThat(forget(store, "b.example")).isTrue();
    assertThat(forget(store, "b.example")).isFalse();
    assertThat(store.entries()).extracting(LearnedStore.Entry::host).containsExactly("a.example");
  }

  @Test
  void aMissingFileIsAnEmptyListAndTheFolderIsCreated() {
    LearnedStore store = new LearnedStore(state.resolve("new/sub"), clock);
    assertThat(store.entries()).isEmpty();
    assertThat(due(store)).isEmpty();
    store.learn("a.example", silence());
    assertThat(Files.exists(state.resolve("new/sub/learned.rules"))).isTrue();
  }

  @Test
  void malformedLinesAreNotEntries() {
    for (String line :
        List.of(
            "DOMAIN,a.example,RELAY",
            "DOMAIN,a.example,DIRECT # technique=8; evidence=x; learned=2026-11-27T18:00:00Z;"
                + " expires=2026-12-04T18:00:00Z",
            "DOMAIN,a.example,RELAY # technique=99 nope; evidence=x;"
                + " learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z",
            "DOMAIN,a.example,RELAY # technique=8 tls-silence; evidence=x; learned=yesterday;"
                + " expires=2026-12-04T18:00:00Z",
            "DOMAIN,a.example,RELAY # technique=8 tls-silence; learned=2026-11-27T18:00:00Z;"
                + " expires=2026-12-04T18:00:00Z",
            "IP-CIDR,203.0.113.0/24,RELAY # technique=6 tcp-refused; evidence=x;"
                + " learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z",
            "# DOMAIN,a.example,RELAY # technique=8 tls-silence; evidence=x;"
                + " learned=2026-11-27T18:00:00Z; expires=2026-12-04T18:00:00Z")) {
      assertThat(LearnedStore.Entry.parse(line)).as(line).isEmpty();
    }
  }

  @Test
  @Timeout(60)
  void concurrentLearnersLoseNothing() throws Exception {
    LearnedStore store = new LearnedStore(state, clock);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        String host = "h" + i + ".example";
        fs.add(pool.submit(() -> store.learn(host, silence())));
      }
      for (Future<?> f : fs) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.entries()).hasSize(100);
    try (Stream<Path> files = Files.list(state)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("no temporary file is left behind")
          .containsExactlyInAnyOrder("learned.rules", "learned.rules.lock");
    }
  }

  /** Starts {@link LearnedStoreWriter} in a JVM of its own. */
  private Process writer(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(LearnedStoreWriter.class.getName());
    command.add(state.toString());
    command.addAll(List.of(args));
    return new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }

  @Test
  @Timeout(180)
  void twoProcessesLearningAtOnceLoseNothing() throws Exception {
    Process a = writer("a", "150");
    Process b = writer("b", "150");
    try {
      assertThat(a.waitFor()).isZero();
      assertThat(b.waitFor()).isZero();
    } finally {
      a.destroyForcibly();
      b.destroyForcibly();
    }
    List<String> hosts =
        new LearnedStore(state, clock).entries().stream().map(LearnedStore.Entry::host).toList();
    assertThat(hosts).hasSize(300).doesNotHaveDuplicates();
    assertThat(hosts).contains("a0.example", "a149.example", "b0.example", "b149.example");
  }

  @Test
  void aTemporaryFileAKilledWriterLeftIsRemovedAtStart() throws IOException {
    Path orphan = state.resolve(".learned.rules.123456.tmp");
    Files.writeString(orphan, "half a file");
    Path other = state.resolve(".rules.txt.99.tmp");
    Files.writeString(other, "not ours");
    new LearnedStore(state, clock);
    assertThat(orphan).doesNotExist();
    assertThat(other).as("only the learned file's").exists();
  }

  @Test
  void aBatchIsOneWriteAndOneNotice() throws IOException {
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("old.example", silence());
    List<LearnedStore.Change> made =
        store.apply(
            List.of(
                new LearnedStore.Change.Learn("a.example", silence()),
                new LearnedStore.Change.Forget("old.example"),
                new LearnedStore.Change.Forget("never.example"),
                new LearnedStore.Change.Learn("b.example", silence())));
    assertThat(made)
        .extracting(LearnedStore.Change::host)
        .containsExactly("a.example", "old.example", "b.example");
    assertThat(store.entries())
        .extracting(LearnedStore.Entry::host)
        .containsExactly("a.example", "b.example");
    Path file = state.resolve("learned.rules");
    Files.writeString(file, "# edited\n" + Files.readString(file));
    assertThat(store.apply(List.of(new LearnedStore.Change.Forget("never.example")))).isEmpty();
    assertThat(Files.readString(file))
        .as("nothing changed, nothing written")
        .startsWith("# edited\n");
  }

  @Test
  void theFileIsOwnerOnly() throws IOException {
    new LearnedStore(state, clock).learn("a.example", silence());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(state.resolve("learned.rules"))))
        .isEqualTo("rw-------");
  }

  @Test
  void aHostThatCouldWriteRulesOfItsOwnIsRefused() throws IOException {
    // Such a host once wrote "DOMAIN,x.example,DIRECT" and "MATCH,REJECT" lines: explain then
    // showed x.example DIRECT and every other host REJECT.
    LearnedStore store = new LearnedStore(state, clock);
    store.learn("ok.example", silence());
    String before = Files.readString(state.resolve("learned.rules"));
    for (String host :
        List.of(
            "x.example,DIRECT\nMATCH,REJECT",
            "x.example,DIRECT # \rMATCH,REJECT",
            "x.example\u000bMATCH,REJECT",
            "x.example\uff0cDIRECT\u3000\uff03\nMATCH\uff0cREJECT")) {
      assertThatThrownBy(() -> store.learn(host, silence()))
          .as(host)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("host: '")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }
    assertThat(Files.readString(state.resolve("learned.rules"))).isEqualTo(before);
    Rules rules = Rules.load(null, state.resolve("learned.rules"), clock);
    assertThat(rules.decide(Destination.parse("x.example", 443)).action()).isEqualTo(Action.AUTO);
    assertThat(rules.decide(Destination.parse("other.example", 443)).action())
        .isEqualTo(Action.AUTO);
    assertThat(rules.decide(Destination.parse("ok.example", 443)).action()).isEqualTo(Action.RELAY);
  }

  @Test
  @Timeout(120)
  void aKilledWriterLeavesAWholeFile() throws Exception {
    // A second JVM learns hosts as fast as it can and is killed with SIGKILL mid-stream.
    Process p = writer();
    try {
      Path file = state.resolve("learned.rules");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        if (Files.exists(file) && Files.size(file) > 20_000) {
          break;
        }
        Thread.sleep(20);
      }
      assertThat(p.isAlive()).as("the writer is still writing when killed").isTrue();
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    List<String> entries = entryLines();
    assertThat(entries).isNotEmpty();
    for (String line : entries) {
      assertThat(LearnedStore.Entry.parse(line)).as(line).isPresent();
    }
    assertThat(new LearnedStore(state, clock).entries()).hasSize(entries.size());
  }

  private List<LearnedStore.Entry> due(LearnedStore store) {
    return store.entries().stream().filter(e -> e.expired(clock.instant())).toList();
  }

  private static boolean forget(LearnedStore store, String host) {
    return !store.apply(List.of(new LearnedStore.Change.Forget(host))).isEmpty();
  }
}
