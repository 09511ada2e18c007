package io.sidestep.core.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Collects the formatted lines of some loggers for assertions. Event loops log while a test reads,
 * so the lines sit in a concurrent queue and every read takes a snapshot.
 */
public final class LogCapture implements AutoCloseable {
  private final List<Logger> loggers = new ArrayList<>();
  private final Queue<String> lines = new ConcurrentLinkedQueue<>();
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
          lines.add(event.getFormattedMessage());
        }
      };

  private LogCapture(String... loggerNames) {
    appender.start();
    for (String name : loggerNames) {
      Logger logger = (Logger) LoggerFactory.getLogger(name);
      logger.addAppender(appender);
      loggers.add(logger);
    }
  }

  /** Starts collecting the lines of these loggers (and of their descendants). */
  public static LogCapture of(String... loggerNames) {
    return new LogCapture(loggerNames);
  }

  /** Starts collecting the lines of these classes' loggers. */
  public static LogCapture of(Class<?>... classes) {
    String[] names = new String[classes.length];
    for (int i = 0; i < classes.length; i++) {
      names[i] = classes[i].getName();
    }
    return new LogCapture(names);
  }

  /** Every line so far, in order. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /**
   * Waits (at most {@code timeout}) for a line matching {@code test}; returns it, or null when none
   * came.
   */
  public String await(Predicate<String> test, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      for (String l : lines) {
        if (test.test(l)) {
          return l;
        }
      }
      if (System.nanoTime() > end) {
        return null;
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    for (Logger logger : loggers) {
      logger.detachAppender(appender);
    }
    appender.stop();
  }
}
