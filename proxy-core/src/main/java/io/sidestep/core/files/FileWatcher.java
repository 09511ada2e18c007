package io.sidestep.core.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tells whether some files changed since it last looked, by each file's modification time, size and
 * file key (an atomic rename changes the key even within one clock tick). A missing file and an
 * unreadable one each count as a state of their own, so a file appearing, vanishing or becoming
 * readable again is a change too. Look ({@link #changed}) before reading the files: an edit made
 * while they are read is then seen at the next look. Not thread-safe: look from one thread, or
 * under the caller's lock.
 */
public final class FileWatcher {

  private record Stamp(FileTime modified, long size, Object key) {}

  private static final Stamp MISSING = new Stamp(null, -1, null);
  private static final Stamp UNREADABLE = new Stamp(null, -2, null);

  private Map<Path, Stamp> seen = new LinkedHashMap<>();
  private boolean unsettled; // a look found a change, and none has found the files still since

  /** Watches {@code files}, taking them as they are now. */
  public FileWatcher(Collection<Path> files) {
    watch(files);
  }

  /**
   * Watches exactly {@code files} from now on: a file already watched keeps the state last seen, a
   * new one is taken as it is now.
   */
  public void watch(Collection<Path> files) {
    Map<Path, Stamp> next = new LinkedHashMap<>();
    for (Path p : files) {
      Stamp s = seen.get(p);
      next.put(p, s != null ? s : stamp(p));
    }
    seen = next;
  }

  /** The files watched. */
  public Set<Path> files() {
    return Set.copyOf(seen.keySet());
  }

  /**
   * True when a watched file changed since the last look; what is there now becomes the last seen.
   */
  public boolean changed() {
    boolean changed = false;
    for (Map.Entry<Path, Stamp> e : seen.entrySet()) {
      Stamp now = stamp(e.getKey());
      if (!Objects.equals(now, e.getValue())) {
        e.setValue(now);
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Looks as {@link #changed} does, and is true when a change found at an earlier look has stood
   * still until this one: a file caught half-written (truncated, and not yet written again) is not
   * taken for the finished edit.
   */
  public boolean settled() {
    if (changed()) {
      unsettled = true;
      return false;
    }
    boolean was = unsettled;
    unsettled = false;
    return was;
  }

  private static Stamp stamp(Path p) {
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
      return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
    } catch (NoSuchFileException e) {
      return MISSING;
    } catch (IOException | SecurityException e) {
      return UNREADABLE;
    }
  }
}
