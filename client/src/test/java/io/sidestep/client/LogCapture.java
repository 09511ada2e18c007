package io.sidestep.client;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Collects the log lines of one logger (the per-connection lines, say) for assertions. */
final class LogCapture implements AutoCloseable {
  private final Logger logger;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture(String loggerName) {
    logger = (Logger) LoggerFactory.getLogger(loggerName);
    appender.start();
    logger.addAppender(appender);
  }

  /** The per-connection INFO lines. */
  static LogCapture connections() {
    return new LogCapture("io.sidestep.client.connection");
  }

  List<String> lines() {
    synchronized (appender.list) {
      return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
  }

  /** Waits (at most {@code timeout}) for a line matching {@code test}; returns it or null. */
  String await(Predicate<String> test, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < end) {
      for (String l : lines()) {
        if (test.test(l)) {
          return l;
        }
      }
      Thread.sleep(20);
    }
    return null;
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
  }
}
