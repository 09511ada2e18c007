package io.sidestep.server.fleet;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The operator's signed list of revoked access keys, which relays run with {@code --revocations
 * FILE} reload when it changes. One entry a line: {@code user NAME INSTANT} revokes every token of
 * {@code NAME} issued up to {@code INSTANT} (a key issued later for the same name works), {@code
 * token ID INSTANT} revokes one token; then {@code signature BASE64URL}, Ed25519 by the {@link
 * FleetKey} over {@value #CONTEXT} and the entry lines. {@code #} lines are comments and are not
 * signed. A list whose signature does not verify is refused as a whole.
 */
public record Revocations(List<Entry> entries) {

  /** One revocation: of a user's tokens issued up to {@code at}, or of one token by its id. */
  public record Entry(Kind kind, String subject, Instant at) {
    public Entry {
      at = at.truncatedTo(ChronoUnit.MILLIS);
    }

    String line() {
      return kind.word + " " + subject + " " + at;
    }
  }

  /** What an entry revokes. */
  public enum Kind {
    USER("user"),
    TOKEN("token");

    final String word;

    Kind(String word) {
      this.word = word;
    }
  }

  public static final Revocations EMPTY = new Revocations(List.of());

  static final String CONTEXT = "sidestep fleet revocations\n";

  private static final String HEADER =
      "# Sidestep fleet revocations, written by `fleet revoke` and signed with the fleet key:\n"
          + "# `user NAME INSTANT` revokes the tokens of NAME issued up to INSTANT, `token ID"
          + " INSTANT`\n# one token. Relays run with --revocations reload this file when it"
          + " changes.\n";

  public Revocations {
    entries = List.copyOf(entries);
  }

  /** Whether {@code token} is revoked. */
  public boolean revokes(SignedToken token) {
    for (Entry e : entries) {
      if (e.kind() == Kind.TOKEN
          ? e.subject().equals(token.id())
          : e.subject().equals(token.name()) && !token.issued().isAfter(e.at())) {
        return true;
      }
    }
    return false;
  }

  /** This list and {@code entry}. */
  public Revocations with(Entry entry) {
    List<Entry> next = new ArrayList<>(entries);
    next.add(entry);
    return new Revocations(next);
  }

  private byte[] signed() {
    StringBuilder sb = new StringBuilder(CONTEXT);
    for (Entry e : entries) {
      sb.append(e.line()).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Writes the list, signed with {@code key}, atomically. */
  public void write(Path file, FleetKey key) {
    StringBuilder sb = new StringBuilder(HEADER);
    for (Entry e : entries) {
      sb.append(e.line()).append('\n');
    }
    sb.append("signature ")
        .append(Base64.getUrlEncoder().withoutPadding().encodeToString(key.sign(signed())))
        .append('\n');
    AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8), AtomicFiles.PUBLIC);
  }

  /**
   * Reads and checks a list; a missing file is an empty list.
   *
   * @throws IllegalArgumentException when it does not parse or {@code key} did not sign it, naming
   *     the file and line
   * @throws UncheckedIOException when it cannot be read
   */
  public static Revocations read(Path file, TrustKey key) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return EMPTY;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "revocations: cannot read " + file + ": " + AtomicFiles.describe(e), e);
    }
    List<Entry> entries = new ArrayList<>();
    byte[] signature = null;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + ":" + (i + 1) + ": ";
      if (signature != null) {
        throw new IllegalArgumentException(where + "a line after the signature");
      }
      String[] f = line.split("\\s+");
      try {
        if (f.length == 2 && f[0].equals("signature")) {
          signature = Base64.getUrlDecoder().decode(f[1]);
        } else if (f.length == 3 && (f[0].equals("user") || f[0].equals("token"))) {
          entries.add(
              new Entry(f[0].equals("user") ? Kind.USER : Kind.TOKEN, f[1], Instant.parse(f[2])));
        } else {
          throw new IllegalArgumentException("'" + line + "'");
        }
      } catch (DateTimeParseException | IllegalArgumentException e) {
        throw new IllegalArgumentException(
            where
                + e.getMessage()
                + " (expected: user NAME INSTANT, token ID INSTANT or signature BASE64URL)",
            e);
      }
    }
    Revocations r = new Revocations(entries);
    if (signature == null) {
      if (entries.isEmpty()) {
        return EMPTY;
      }
      throw new IllegalArgumentException(
          file + ": no signature (expected: a list written by `fleet revoke`)");
    }
    if (!key.verifies(r.signed(), signature)) {
      throw new IllegalArgumentException(
          file + ": the signature does not verify with " + key + " (expected: the fleet key's)");
    }
    return r;
  }
}
