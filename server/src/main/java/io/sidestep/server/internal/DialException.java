package io.sidestep.server.internal;

import io.netty.handler.codec.http.HttpResponseStatus;

/** Why the relay could not reach a destination; the message is safe to log and to show a user. */
public final class DialException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure, each with the status an authenticated client gets. */
  public enum Kind {
    /** The destination's address is not public and not allowed: 403. */
    REFUSED(HttpResponseStatus.FORBIDDEN, "refused"),
    /** The name does not resolve: 502. */
    NO_SUCH_HOST(HttpResponseStatus.BAD_GATEWAY, "dns-failed"),
    /** The connection was refused, reset or unreachable: 502. */
    CONNECT_FAILED(HttpResponseStatus.BAD_GATEWAY, "connect-failed"),
    /** The connection timed out: 504. */
    CONNECT_TIMEOUT(HttpResponseStatus.GATEWAY_TIMEOUT, "connect-timeout"),
    /** Too many lookups at once: 503. */
    OVERLOADED(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded");

    private final HttpResponseStatus status;
    private final String result;

    Kind(HttpResponseStatus status, String result) {
      this.status = status;
      this.result = result;
    }

    public HttpResponseStatus status() {
      return status;
    }

    /** The word the connection log uses. */
    public String result() {
      return result;
    }
  }

  private final Kind kind;

  public DialException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
