package io.sidestep.core.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Replaces files so that a crash (even {@code kill -9} or a power cut) leaves either the old
 * content or the new, never a torn file: write a temporary file in the same directory, fsync it,
 * rename it over the target, fsync the directory. A directory it creates is owner-only (700).
 * {@link #locked} serialises read-merge-write cycles across processes; {@link #removeOrphans}
 * clears what a killed writer left.
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
    try {
      createPrivateDirectories(dir);
    } catch (UncheckedIOException e) {
      throw new UncheckedIOException(
          "cannot write " + target + ": " + e.getMessage(), e.getCause());
    }
    Path tmp = null;
    try {
      tmp =
          Files.createTempFile(
              dir, "." + target.getFileName() + ".", ".tmp", attributes(permissions));
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

  // One lock per lock file within this JVM: a FileLock excludes other processes only, and a second
  // lock on the same file from this JVM would throw OverlappingFileLockException.
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

  /**
   * Runs {@code action} holding the lock on {@code lockFile} (created owner-only if missing): one
   * holder at a time across threads and processes, so a read-merge-write in {@code action} loses no
   * other writer's change. Blocks until the lock is free.
   *
   * @throws UncheckedIOException naming the lock file when it cannot be created or locked
   */
  public static <T> T locked(Path lockFile, Supplier<T> action) {
    Path key = lockFile.toAbsolutePath().normalize();
    ReentrantLock inJvm = LOCKS.computeIfAbsent(key, k -> new ReentrantLock());
    inJvm.lock();
    try {
      createPrivateDirectories(key.getParent());
      try (FileChannel ch =
          FileChannel.open(
              key,
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              attributes(PRIVATE))) {
        FileLock held = ch.lock(); // released when the channel closes
        try {
          return action.get();
        } finally {
          held.release();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + key + ": " + describe(e), e);
    } finally {
      inJvm.unlock();
    }
  }

  /**
   * Deletes the temporary files {@link #write} leaves beside {@code target} when it is killed
   * mid-write. Call it holding the lock every writer of {@code target} takes ({@link #locked}), so
   * no temporary file still being written is taken for an orphan.
   *
   * @return how many were deleted
   */
  public static int removeOrphans(Path target) {
    Path dir = target.toAbsolutePath().getParent();
    String prefix = "." + target.getFileName() + ".";
    int n = 0;
    try (DirectoryStream<Path> tmp = Files.newDirectoryStream(dir, prefix + "*.tmp")) {
      for (Path p : tmp) {
        if (Files.deleteIfExists(p)) {
          n++;
        }
      }
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot clean temporary files in " + dir + ": " + describe(e), e);
    }
    return n;
  }

  /** {@code permissions} as attributes for creating a file; none where POSIX modes do not exist. */
  public static FileAttribute<?>[] attributes(Set<PosixFilePermission> permissions) {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
        : new FileAttribute<?>[0];
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
