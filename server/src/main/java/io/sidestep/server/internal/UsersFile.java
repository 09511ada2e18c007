package io.sidestep.server.internal;

import io.sidestep.core.files.AtomicFiles;
import io.sidestep.server.Limits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The relay's users file: one user per line, {@code NAME sha256:HEX CREATED [LIMIT=VALUE ...]},
 * with {@code #} comments; the limits are those of {@link Limits#fields()}.
 *
 * <p>Tokens are 32 random bytes (256 bits), so a plain SHA-256 of the token is enough to make the
 * file useless to someone who reads it: there is nothing to guess, and a slow password hash would
 * only slow down every connection. The file is written atomically with mode 600.
 */
public final class UsersFile {
  private UsersFile() {}

  /** A user as stored: the token is only ever present as its hash. */
  public record Entry(String name, byte[] tokenHash, Instant created, Limits limits) {
    public Entry {
      tokenHash = tokenHash.clone();
      limits = limits == null ? Limits.NONE : limits;
    }

    public Entry(String name, byte[] tokenHash, Instant created) {
      this(name, tokenHash, created, Limits.NONE);
    }

    public Entry withLimits(Limits l) {
      return new Entry(name, tokenHash, created, l);
    }

    public Entry withTokenHash(byte[] hash) {
      return new Entry(name, hash, created, limits);
    }

    @Override
    public byte[] tokenHash() {
      return tokenHash.clone();
    }

    @Override
    public String toString() {
      return "User[" + name + "]";
    }
  }

  /** Names: a letter or digit, then up to 63 letters, digits, '.', '_' or '-'. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private static final String HEADER =
      "# Sidestep relay users: NAME sha256:HEX-OF-TOKEN CREATED [limit=50GB/30d lifetime=1TB\n"
          + "# expires=2027-01-31 max-conns=N rate=10Mbit/s]. Written by `sidestep-server users`;\n"
          + "# a running relay reloads this file within a second of a change.\n";

  public static void checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "user name: '"
              + name
              + "' (expected: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit)");
    }
  }

  public static byte[] hash(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Reads the file; a missing file is no users.
   *
   * @throws IllegalArgumentException {@code FILE:LINE: problem} for a line that does not parse
   * @throws UncheckedIOException when the file cannot be read
   */
  public static Map<String, Entry> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + AtomicFiles.describe(e), e);
    }
    Map<String, Entry> users = new LinkedHashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + ":" + (i + 1) + ": ";
      String[] f = line.split("\\s+");
      if (f.length < 3 || !f[1].startsWith("sha256:") || f[1].length() != 7 + 64) {
        throw new IllegalArgumentException(
            where + "'" + abbreviate(line) + "' (expected: NAME sha256:64-HEX-DIGITS CREATED)");
      }
      Limits limits = Limits.NONE;
      for (int k = 3; k < f.length; k++) {
        try {
          limits = Limits.parseField(f[k], limits);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + e.getMessage(), e);
        }
      }
      try {
        checkName(f[0]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + e.getMessage(), e);
      }
      byte[] hash;
      Instant created;
      try {
        hash = HexFormat.of().parseHex(f[1].substring(7));
        created = Instant.parse(f[2]);
      } catch (IllegalArgumentException | DateTimeParseException e) {
        throw new IllegalArgumentException(
            where + "'" + abbreviate(line) + "' (expected: NAME sha256:64-HEX-DIGITS CREATED)", e);
      }
      if (users.put(f[0], new Entry(f[0], hash, created, limits)) != null) {
        throw new IllegalArgumentException(where + "user '" + f[0] + "' appears twice");
      }
    }
    return users;
  }

  /** Atomically replaces the file with {@code users}, mode 600. */
  public static void write(Path file, Iterable<Entry> users) {
    StringBuilder sb = new StringBuilder(HEADER);
    for (Entry e : users) {
      sb.append(e.name())
          .append(" sha256:")
          .append(HexFormat.of().formatHex(e.tokenHash))
          .append(' ')
          .append(e.created());
      for (String field : e.limits().fields()) {
        sb.append(' ').append(field);
      }
      sb.append('\n');
    }
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), AtomicFiles.PRIVATE);
  }

  private static String abbreviate(String s) {
    // Never echo a whole line back: a user might have pasted a token into it by mistake.
    String first = s.split("\\s+")[0];
    return first.length() > 40 ? first.substring(0, 40) + "..." : first + " ...";
  }
}
