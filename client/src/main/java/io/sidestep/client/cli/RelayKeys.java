package io.sidestep.client.cli;

import io.sidestep.core.relay.AccessKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Relay access keys from their three sources, in this order: {@code --relay KEY} (readable by every
 * local user in the process's command line), {@code --relay-file FILE} and the environment variable
 * {@value #ENVIRONMENT}. A key that names several relays of a fleet counts as one key per relay,
 * starting at the one its token picks ({@link AccessKey#parseAll}). No message names a token.
 */
final class RelayKeys {

  /** Holds one or more access keys separated by whitespace. */
  static final String ENVIRONMENT = "SIDESTEP_RELAY";

  private static final Set<PosixFilePermission> SHARED =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE);

  private RelayKeys() {}

  /**
   * @param options the {@code --relay} values
   * @param file the {@code --relay-file}, or null
   * @param environment the value of {@value #ENVIRONMENT}, or null
   * @throws IllegalArgumentException for a bad key (naming its source, never its token) or a file
   *     that group or others may read
   * @throws UncheckedIOException when the file cannot be read
   */
  static List<AccessKey> read(List<String> options, Path file, String environment) {
    List<AccessKey> keys = new ArrayList<>();
    for (String text : options) {
      keys.addAll(parse("--relay", text));
    }
    if (file != null) {
      keys.addAll(fromFile(file));
    }
    if (environment != null) {
      for (String text : environment.strip().split("\\s+")) {
        if (!text.isEmpty()) {
          keys.addAll(parse(ENVIRONMENT, text));
        }
      }
    }
    return keys;
  }

  private static List<AccessKey> fromFile(Path file) {
    checkPrivate(file);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("--relay-file: cannot read " + file + ": " + e, e);
    }
    List<AccessKey> keys = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      // Only a whole line is a comment: an access key ends in #LABEL.
      if (!line.isEmpty() && !line.startsWith("#")) {
        keys.addAll(parse("--relay-file: " + file + ":" + (i + 1), line));
      }
    }
    return keys;
  }

  private static void checkPrivate(Path file) {
    PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
    if (view == null) {
      return; // no POSIX permissions on this file system: nothing to check
    }
    Set<PosixFilePermission> permissions;
    try {
      permissions = view.readAttributes().permissions();
    } catch (IOException e) {
      throw new UncheckedIOException("--relay-file: cannot read " + file + ": " + e, e);
    }
    if (permissions.stream().anyMatch(SHARED::contains)) {
      throw new IllegalArgumentException(
          "--relay-file: "
              + file
              + " is open to group or others ("
              + PosixFilePermissions.toString(permissions)
              + "; expected: rw------- or r--------, e.g. chmod 600 "
              + file
              + ")");
    }
  }

  /** One key per relay: a key naming several relays gives them in the order it spreads users. */
  private static List<AccessKey> parse(String source, String text) {
    try {
      return AccessKey.parseAll(text);
    } catch (IllegalArgumentException e) {
      // AccessKey's messages never contain the token; the source says where to look.
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }
}
