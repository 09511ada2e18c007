package io.sidestep.lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs an external command to completion under a deadline, so that no lab step can hang: on timeout
 * the command and everything it started are killed. Output goes to temporary files rather than
 * pipes, so a chatty command cannot block on a full pipe.
 */
final class Cmd {
  private Cmd() {}

  /** Directories with the administration tools, which a non-login root shell may lack in PATH. */
  static final String PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:"
          + System.getenv().getOrDefault("PATH", "");

  /** The outcome of one command. {@code exit} is -1 when it timed out. */
  record Result(
      List<String> argv, int exit, String out, String err, long millis, boolean timedOut) {
    boolean ok() {
      return !timedOut && exit == 0;
    }

    String describe() {
      String status = timedOut ? "timed out" : "exit " + exit;
      String error = err.isBlank() ? "" : "; stderr: " + tail(err.strip(), 1200);
      return String.join(" ", argv) + " -> " + status + " after " + millis + " ms" + error;
    }

    /** Throws unless the command succeeded, naming the command and its error output. */
    Result orThrow() {
      if (!ok()) {
        throw new IllegalStateException("lab command failed: " + describe());
      }
      return this;
    }
  }

  static Result run(Duration timeout, String... argv) {
    return run(timeout, List.of(argv));
  }

  /** Runs {@code argv} inside network namespace {@code ns}. */
  static Result inNs(String ns, Duration timeout, String... argv) {
    return run(timeout, netns(ns, List.of(argv)));
  }

  static List<String> netns(String ns, List<String> argv) {
    List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", ns));
    all.addAll(argv);
    return all;
  }

  static Result run(Duration timeout, List<String> argv) {
    Path out = null;
    Path err = null;
    long start = System.nanoTime();
    try {
      out = Files.createTempFile("sidestep-lab-", ".out");
      err = Files.createTempFile("sidestep-lab-", ".err");
      Process p = builder(argv).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      p.getOutputStream().close();
      boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!done) {
        killTree(p.toHandle());
        p.waitFor(5, TimeUnit.SECONDS);
      }
      long millis = (System.nanoTime() - start) / 1_000_000;
      return new Result(
          List.copyOf(argv), done ? p.exitValue() : -1, read(out), read(err), millis, !done);
    } catch (IOException e) {
      throw new UncheckedIOException("lab command could not start: " + String.join(" ", argv), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + String.join(" ", argv), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  /** A process builder with a predictable environment: no proxy variables, C locale, full PATH. */
  static ProcessBuilder builder(List<String> argv) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
    env.put("PATH", PATH);
    env.put("LC_ALL", "C");
    return pb;
  }

  /** Kills a process and all its descendants, children first. */
  static void killTree(ProcessHandle root) {
    root.descendants().forEach(ProcessHandle::destroyForcibly);
    root.destroyForcibly();
  }

  static String tail(String s, int max) {
    return s.length() <= max ? s : "…" + s.substring(s.length() - max);
  }

  private static String read(Path p) throws IOException {
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // A leftover temp file is harmless.
      }
    }
  }
}
