package io.sidestep.core.rules;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The last good copy of each list fetched by URL, in {@code STATE/lists/}: one file per URL, named
 * by a hash of the URL, replaced atomically, its modification time being when it was fetched. The
 * rules read the copy ({@link Rules}, {@link LiveRules}) and follow its changes as they follow a
 * list file's.
 */
public final class ListCache {

  /** The folder under the state folder that holds the copies. */
  public static final String DIR_NAME = "lists";

  private final Path dir;

  /** A cache in {@code stateDir/lists}; nothing is created until a copy is stored. */
  public ListCache(Path stateDir) {
    this.dir = stateDir.resolve(DIR_NAME);
  }

  /** Where the copy of {@code url} is (or would be). */
  public Path file(String url) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return dir.resolve(HexFormat.of().formatHex(hash, 0, 16) + ".list");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this Java", e);
    }
  }

  /** When the stored copy of {@code url} was fetched; empty when there is none. */
  public Optional<Instant> fetchedAt(String url) {
    try {
      return Optional.of(Files.getLastModifiedTime(file(url)).toInstant());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Replaces the copy of {@code url} with {@code content}, atomically, as fetched now.
   *
   * @throws java.io.UncheckedIOException naming the file when it cannot be written
   */
  public void store(String url, byte[] content) {
    AtomicFiles.write(file(url), content, AtomicFiles.PRIVATE);
  }
}
