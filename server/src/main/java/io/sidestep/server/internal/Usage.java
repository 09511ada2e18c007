package io.sidestep.server.internal;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bytes each user moved (both directions together): a lifetime total and one count per UTC day,
 * from which a sliding window of whole days is summed; and when the user last connected. Kept in
 * the state directory's {@value #FILE_NAME} file, one user per line ({@code NAME total=BYTES
 * last-seen=INSTANT days=EPOCHDAY:BYTES,...}), written atomically; days older than ten years are
 * dropped. Thread-safe.
 */
public final class Usage {

  public static final String FILE_NAME = "usage";
  private static final long KEEP_DAYS = 3660;

  /** One user's figures, copied. */
  public record Figures(long total, Instant lastSeen, Map<Long, Long> days) {
    public long inLast(int windowDays, LocalDate today) {
      long from = today.toEpochDay() - windowDays + 1;
      return days.entrySet().stream()
          .filter(e -> e.getKey() >= from)
          .mapToLong(Map.Entry::getValue)
          .sum();
    }
  }

  private static final class Account {
    long total;
    Instant lastSeen;
    final TreeMap<Long, Long> days = new TreeMap<>();

    synchronized Figures figures() {
      return new Figures(total, lastSeen, Map.copyOf(days));
    }
  }

  private final Map<String, Account> accounts = new ConcurrentHashMap<>();
  private final Clock clock;

  public Usage(Clock clock) {
    this.clock = clock;
  }

  public LocalDate today() {
    return LocalDate.now(clock.withZone(ZoneOffset.UTC));
  }

  public void add(String user, long bytes) {
    if (bytes <= 0) {
      return;
    }
    Account a = accounts.computeIfAbsent(user, u -> new Account());
    long day = today().toEpochDay();
    synchronized (a) {
      a.total += bytes;
      a.days.merge(day, bytes, Long::sum);
    }
  }

  public void seen(String user) {
    Account a = accounts.computeIfAbsent(user, u -> new Account());
    synchronized (a) {
      a.lastSeen = clock.instant();
    }
  }

  /** The user's figures; zero and never seen for a user with none. */
  public Figures of(String user) {
    Account a = accounts.get(user);
    return a == null ? new Figures(0, null, Map.of()) : a.figures();
  }

  /** Reads {@code file}; a missing file is no usage. */
  public static Usage load(Path file, Clock clock) {
    Usage u = new Usage(clock);
    java.util.List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return u;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + AtomicFiles.describe(e), e);
    }
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\\s+");
      Account a = new Account();
      try {
        for (int k = 1; k < f.length; k++) {
          String[] kv = f[k].split("=", 2);
          switch (kv[0]) {
            case "total" -> a.total = Long.parseLong(kv[1]);
            case "last-seen" -> a.lastSeen = Instant.parse(kv[1]);
            case "days" -> {
              for (String d : kv[1].split(",")) {
                String[] dv = d.split(":");
                a.days.put(Long.parseLong(dv[0]), Long.parseLong(dv[1]));
              }
            }
            default -> throw new IllegalArgumentException("unknown field '" + kv[0] + "'");
          }
        }
      } catch (RuntimeException e) {
        if (e instanceof DateTimeParseException
            || e instanceof IllegalArgumentException
            || e instanceof ArrayIndexOutOfBoundsException) {
          throw new IllegalArgumentException(
              file
                  + ":"
                  + (i + 1)
                  + ": "
                  + e.getMessage()
                  + " (expected: NAME total=BYTES last-seen=INSTANT days=EPOCHDAY:BYTES,...)",
              e);
        }
        throw e;
      }
      u.accounts.put(f[0], a);
    }
    return u;
  }

  /** Atomically replaces {@code file} with the current figures. */
  public void save(Path file) {
    StringBuilder sb =
        new StringBuilder(
            "# Sidestep relay usage, written by the running relay: NAME total=BYTES"
                + " last-seen=INSTANT days=EPOCHDAY:BYTES,...\n");
    long oldest = today().toEpochDay() - KEEP_DAYS;
    new TreeMap<>(accounts)
        .forEach(
            (name, a) -> {
              Figures f;
              synchronized (a) {
                a.days.headMap(oldest).clear();
                f = a.figures();
              }
              sb.append(name).append(" total=").append(f.total());
              if (f.lastSeen() != null) {
                sb.append(" last-seen=").append(f.lastSeen());
              }
              if (!f.days().isEmpty()) {
                sb.append(" days=");
                new TreeMap<>(f.days())
                    .forEach((d, n) -> sb.append(d).append(':').append(n).append(','));
                sb.setLength(sb.length() - 1);
              }
              sb.append('\n');
            });
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE);
  }
}
