package io.sidestep.core.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Replaces files so that a crash (even {@code kill -9} or a power cut) leaves either the old
 * content or the new, never a torn file: write a temporary file in the same directory, fsync it,
 * rename it over the target, fsync the directory.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Owner read and write only: for keys and anything holding secrets. */
  public static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");

  /** Owner read and write, everyone read. */
  public static final Set<PosixFilePermission> PUBLIC =
      PosixFilePermissions.fromString("rw-r--r--");

  /**
   * Atomically replaces {@code target} with {@code content}. On a POSIX file system the file gets
   * {@code permissions} from the moment it exists, so a private file is never readable by others,
   * not even briefly.
   *
   * @throws UncheckedIOException naming the file when it cannot be written
   */
  public static void write(Path target, byte[] content, Set<PosixFilePermission> permissions) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
      FileAttribute<?>[] attrs =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
              : new FileAttribute<?>[0];
      tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp", attrs);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + describe(e), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the write already failed; that error is the one worth reporting
        }
      }
    }
  }

  /** Creates {@code dir} and its parents; a new directory gets mode 700 on POSIX systems. */
  public static Path createPrivateDirectories(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.createDirectory(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectories(dir);
      }
      return dir;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (Files.isDirectory(dir)) {
        return dir;
      }
      throw new UncheckedIOException(
          "cannot create directory " + dir + ": a file is in the way", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create directory " + dir + ": " + describe(e), e);
    }
  }

  private static void syncDirectory(Path dir) {
    // Makes the rename itself durable. Not every platform can open a directory; there the rename
    // is as durable as the OS makes it.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException ignored) {
      // best effort
    }
  }

  /** A short description of an I/O error without the stack trace: class and message. */
  public static String describe(IOException e) {
    String kind =
        e instanceof java.nio.file.AccessDeniedException
            ? "permission denied"
            : e instanceof java.nio.file.NoSuchFileException
                ? "no such file or directory"
                : e.getClass().getSimpleName();
    return e.getMessage() == null ? kind : kind + " (" + e.getMessage() + ")";
  }
}
