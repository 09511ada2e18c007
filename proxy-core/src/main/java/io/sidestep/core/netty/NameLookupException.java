package io.sidestep.core.netty;

import java.net.UnknownHostException;

/**
 * A name that did not resolve, with what the resolver said: no such name, no address, or no answer
 * at all. Made by the resolver that knows, from the DNS response code or the failure's type.
 */
public final class NameLookupException extends UnknownHostException implements Failures.Kinded {
  private static final long serialVersionUID = 1L;

  private final Failure failure;

  /**
   * @param failure {@link Failure#NAME_NOT_FOUND}, {@link Failure#NO_ADDRESS} or {@link
   *     Failure#LOOKUP_FAILED}
   */
  public NameLookupException(Failure failure, String message, Throwable cause) {
    super(message);
    if (failure != Failure.NAME_NOT_FOUND
        && failure != Failure.NO_ADDRESS
        && failure != Failure.LOOKUP_FAILED) {
      throw new IllegalArgumentException(
          "failure: " + failure + " (expected: NAME_NOT_FOUND, NO_ADDRESS or LOOKUP_FAILED)");
    }
    this.failure = failure;
    if (cause != null) {
      initCause(cause);
    }
  }

  @Override
  public Failure failure() {
    return failure;
  }
}
