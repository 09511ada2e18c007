package io.sidestep.core.net;

/**
 * What kind of failure ended a connection attempt or a connection, as far as routing, failover and
 * detection need to know. It is set where the failure happens, from the exception's type or the
 * protocol's own code, never from a message text (which changes with the OS, the locale and the
 * JDK); {@link io.sidestep.core.netty.Failures#kindOf} does that for JDK and Netty exceptions, and
 * an exception made where the failure happened says its kind itself ({@link Kinded}).
 */
public enum Failure {
  /** The far end answered the connect with a refusal (TCP RST). */
  CONNECT_REFUSED,
  /** The connect was not answered in time. */
  CONNECT_TIMED_OUT,
  /** No route to the host or its network. */
  UNREACHABLE,
  /** An established connection was reset (or its peer vanished under a write). */
  RESET,
  /** The far end closed the connection before the exchange was done. */
  EOF,
  /** The name does not exist (NXDOMAIN, or the system resolver found nothing). */
  NAME_NOT_FOUND,
  /** The name exists but has no address of the families asked for. */
  NO_ADDRESS,
  /** The resolver could not answer (a timeout, a server failure): not an answer about the name. */
  LOOKUP_FAILED,
  /** The TLS handshake failed: an alert, a certificate that is not trusted, a timeout. */
  TLS_HANDSHAKE,
  /** A local address could not be bound: in use, not this host's, or not permitted. */
  ADDRESS_IN_USE,
  /** The relay refused the destination by its policy. */
  RELAY_REFUSED,
  /** A request named an address type the protocol does not know. */
  UNSUPPORTED_ADDRESS_TYPE,
  /** Too much work waiting: the request was not tried. */
  OVERLOADED,
  /** None of the above. */
  OTHER;

  /** An exception that knows its kind because it was made where the failure happened. */
  public interface Kinded {
    Failure failure();
  }
}
