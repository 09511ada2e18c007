package io.sidestep.core.net;

import java.net.UnknownHostException;

/**
 * A name that did not resolve, with what the resolver said: no such name, no address, or no answer
 * at all. Made by the resolver that knows, from the DNS response code or the failure's type.
 */
public final class NameLookupException extends UnknownHostException implements Failure.Kinded {
  private static final long serialVersionUID = 1L;

  private final Failure failure;

  /**
   * @param failure {@link Failure#NAME_NOT_FOUND}, {@link Failure#NO_ADDRESS}, {@link
   *     Failure#LOOKUP_FAILED} or {@link Failure#OVERLOADED} (not asked at all)
   */
  public NameLookupException(Failure failure, String message, Throwable cause) {
    super(message);
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
