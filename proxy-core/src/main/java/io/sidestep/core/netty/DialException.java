package io.sidestep.core.netty;

import java.io.IOException;

/**
 * Why a connection to a destination could not be made, in the client and in the relay. The {@link
 * Kind} is what a door turns into its own failure reply (a SOCKS5 reply code, an HTTP status); the
 * message names the destination and the cause and is safe to log and to show a user.
 */
public final class DialException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure a door can tell its client apart. */
  public enum Kind {
    /** A rule said REJECT, or the relay's destination policy refuses the address. SOCKS5 0x02. */
    REJECTED,
    /** The relay refused the destination by its policy (HTTP 403). SOCKS5 0x02. */
    RELAY_REFUSED,
    /** The name did not resolve. SOCKS5 0x04. */
    NAME_NOT_RESOLVED,
    /** The destination refused the connection. SOCKS5 0x05. */
    CONNECTION_REFUSED,
    /** The destination or its network could not be reached. SOCKS5 0x04 (0x03 for network). */
    UNREACHABLE,
    /** The connection attempt timed out. SOCKS5 0x04. */
    TIMEOUT,
    /** The relay could not reach the destination (HTTP 502/504 from the relay). SOCKS5 0x04. */
    RELAY_UNREACHABLE_DESTINATION,
    /** No relay could be used: none configured, all down, or credentials refused. SOCKS5 0x01. */
    RELAY_UNAVAILABLE,
    /** Too many look-ups at once. */
    OVERLOADED,
    /** Anything else. SOCKS5 0x01. */
    GENERAL
  }

  private final Kind kind;

  public DialException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public DialException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Wraps any failure into a {@code DialException}, its kind read from the failure's type. */
  public static DialException of(Throwable cause, String what) {
    Throwable c = cause;
    while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
      c = c.getCause();
    }
    if (c instanceof DialException d) {
      return d;
    }
    String detail = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    Kind kind =
        switch (Failures.kindOf(c)) {
          case NAME_NOT_FOUND, NO_ADDRESS, LOOKUP_FAILED -> Kind.NAME_NOT_RESOLVED;
          case CONNECT_TIMED_OUT -> Kind.TIMEOUT;
          case CONNECT_REFUSED -> Kind.CONNECTION_REFUSED;
          case OVERLOADED -> Kind.OVERLOADED;
          case UNREACHABLE -> Kind.UNREACHABLE;
          default -> Kind.GENERAL;
        };
    return new DialException(kind, what + ": " + detail, c);
  }
}
