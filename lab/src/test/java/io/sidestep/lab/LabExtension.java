package io.sidestep.lab;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * Gives lab tests the one {@link Lab} of this test run. The first class to ask builds it; it lives
 * in the root extension context's store, so JUnit closes it after the last class (and a JVM
 * shutdown hook closes it if the run dies first). On a machine that cannot run the lab, every lab
 * test is aborted (reported skipped) with the reason; a lab that fails to build fails each class.
 *
 * <p>Only one lab can exist on a machine (its namespaces have fixed names), so the build holds a
 * file lock ({@code /run/lock/sidestep-lab.lock}) while it runs, waiting up to 8 minutes for
 * another run to finish. With the lock held, it first removes what a crashed earlier run left.
 */
public final class LabExtension
    implements BeforeAllCallback, BeforeEachCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NS =
      ExtensionContext.Namespace.create(LabExtension.class);
  private static final Duration LOCK_WAIT = Duration.ofMinutes(8);

  /** Builds the lab with the first class; a lab that failed to build fails the class. */
  @Override
  public void beforeAll(ExtensionContext context) {
    holder(context).failIfBroken();
  }

  /** On a machine that cannot run the lab, each test is reported skipped, with the reason. */
  @Override
  public void beforeEach(ExtensionContext context) {
    holder(context).lab();
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Lab.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return holder(context).lab();
  }

  private static Holder holder(ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NS)
        .getOrComputeIfAbsent(Holder.class, k -> Holder.create(), Holder.class);
  }

  /** The lab, or why there is none; closing it tears the lab down and releases the lock. */
  static final class Holder implements AutoCloseable {
    private final Lab lab;
    private final String skipReason;
    private final Throwable failure;
    private final FileChannel lockChannel;

    private Holder(Lab lab, String skipReason, Throwable failure, FileChannel lockChannel) {
      this.lab = lab;
      this.skipReason = skipReason;
      this.failure = failure;
      this.lockChannel = lockChannel;
    }

    static Holder create() {
      Optional<String> reason = Prerequisites.staticReason();
      if (reason.isPresent()) {
        return skipped(reason.get());
      }
      Path root = root();
      FileChannel channel = null;
      try {
        Path lockDir =
            Files.isDirectory(Path.of("/run/lock")) ? Path.of("/run/lock") : Path.of("/tmp");
        channel =
            FileChannel.open(
                lockDir.resolve("sidestep-lab.lock"),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        long waitStart = System.nanoTime();
        FileLock lock = channel.tryLock();
        if (lock == null) {
          System.out.println("Sidestep lab: another lab run holds the lock; waiting for it");
        }
        long deadline = waitStart + LOCK_WAIT.toNanos();
        while (lock == null && System.nanoTime() < deadline) {
          Daemon.sleep(1000);
          lock = channel.tryLock();
        }
        long waited = (System.nanoTime() - waitStart) / 1_000_000_000;
        if (lock != null && waited > 0) {
          System.out.println("Sidestep lab: got the lock after " + waited + " s");
        }
        if (lock == null) {
          channel.close();
          return skipped(
              "another lab run on this machine held "
                  + lockDir
                  + "/sidestep-lab.lock for "
                  + LOCK_WAIT.toMinutes()
                  + " minutes");
        }
        Cmd.Result stale = Lab.labDown(root);
        if (!stale.ok()) {
          throw new IllegalStateException("could not clear an earlier lab: " + stale.describe());
        }
        Optional<String> kernel = Prerequisites.kernelReason();
        if (kernel.isPresent()) {
          channel.close();
          return skipped(kernel.get());
        }
        return new Holder(Lab.start(root), null, null, channel);
      } catch (Exception | Error e) {
        closeQuietly(channel);
        return new Holder(null, null, e, null);
      }
    }

    private static Holder skipped(String reason) {
      System.out.println("Sidestep lab skipped: " + reason);
      return new Holder(null, reason, null, null);
    }

    /** The repository root: surefire's {@code sidestep.root}, else the parent of the module. */
    static Path root() {
      String prop = System.getProperty("sidestep.root");
      Path root = prop != null ? Path.of(prop) : Path.of("").toAbsolutePath().getParent();
      return root.toAbsolutePath().normalize();
    }

    void failIfBroken() {
      if (failure != null) {
        throw new IllegalStateException("the Sidestep lab could not be built: " + failure, failure);
      }
    }

    /** The lab; on a machine that cannot run it, aborts the calling test with the reason. */
    Lab lab() {
      if (skipReason != null) {
        throw new TestAbortedException("Sidestep lab skipped: " + skipReason);
      }
      if (failure != null) {
        throw new IllegalStateException("the Sidestep lab could not be built: " + failure, failure);
      }
      return lab;
    }

    @Override
    public void close() {
      if (lab != null) {
        lab.close();
      }
      closeQuietly(lockChannel);
    }

    private static void closeQuietly(FileChannel c) {
      if (c != null) {
        try {
          c.close();
        } catch (IOException ignored) {
          // Closing the channel releases the lock; the JVM's exit would too.
        }
      }
    }
  }
}
