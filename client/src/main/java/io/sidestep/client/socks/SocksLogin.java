package io.sidestep.client.socks;

import io.sidestep.client.DoorCredentials;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.rules.Decision;
import java.util.Optional;

/**
 * Checks a SOCKS5 user name and password (RFC 1929), and says who else hears of the connection's
 * failure besides its client. The HTTP door's internal hop uses the user name to name the door
 * connection it serves, so that a failure reaches that connection's error page and no other.
 */
@FunctionalInterface
public interface SocksLogin {

  /** Hears of one connection's failure before its client gets the reply code. */
  @FunctionalInterface
  interface FailureListener {
    /**
     * @param decision where the router sent the connection; null when the router itself failed
     */
    void failed(Decision decision, DialException cause);

    FailureListener NONE = (decision, cause) -> {};
  }

  /** The listener for this connection's failure, or empty to refuse the user and password. */
  Optional<FailureListener> check(String user, String password);

  /** Accepts {@code credentials} only; nobody else hears of failures. */
  static SocksLogin of(DoorCredentials credentials) {
    return (user, password) ->
        credentials.matches(user, password) ? Optional.of(FailureListener.NONE) : Optional.empty();
  }
}
