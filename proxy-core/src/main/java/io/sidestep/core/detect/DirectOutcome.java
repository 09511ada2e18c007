package io.sidestep.core.detect;

import java.time.Duration;
import java.util.Objects;

/** How one direct attempt ended, as the dialer saw it. */
public sealed interface DirectOutcome {

  /** How a connect failed. */
  enum ConnectFailure {
    /** No answer within the connect timeout (technique 5). */
    TIMEOUT,
    /** RST in answer to the SYN (technique 6). */
    REFUSED,
    /** An ICMP unreachable; as good as a refusal when the relay gets through (technique 6). */
    UNREACHABLE
  }

  /** How an established connection failed. */
  enum StreamFailure {
    /** A TCP reset. */
    RESET,
    /** An orderly close (FIN) by the other side. */
    EOF,
    /** No byte within the first-read timeout. */
    SILENCE
  }

  /** The TCP connect did not succeed. */
  record ConnectFailed(ConnectFailure failure, Duration after) implements DirectOutcome {
    public ConnectFailed {
      Objects.requireNonNull(failure, "failure");
      Objects.requireNonNull(after, "after");
    }
  }

  /**
   * The connection was made and the user's first flight written, then it failed after {@code
   * bytesRead} bytes from the server.
   */
  record StreamFailed(StreamFailure failure, long bytesRead, FirstFlight flight, Duration after)
      implements DirectOutcome {
    public StreamFailed {
      Objects.requireNonNull(failure, "failure");
      Objects.requireNonNull(flight, "flight");
      Objects.requireNonNull(after, "after");
      if (bytesRead < 0) {
        throw new IllegalArgumentException("bytesRead: " + bytesRead + " (expected: >= 0)");
      }
    }
  }

  /** The connection went on past the watched window: the direct path works. */
  record Working(long bytesRead) implements DirectOutcome {}

  static DirectOutcome connectFailed(ConnectFailure failure, Duration after) {
    return new ConnectFailed(failure, after);
  }

  static DirectOutcome streamFailed(
      StreamFailure failure, long bytesRead, FirstFlight flight, Duration after) {
    return new StreamFailed(failure, bytesRead, flight, after);
  }

  static DirectOutcome working(long bytesRead) {
    return new Working(bytesRead);
  }
}
