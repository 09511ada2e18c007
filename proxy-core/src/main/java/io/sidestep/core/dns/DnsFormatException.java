package io.sidestep.core.dns;

/** A DNS message that does not parse, or a value that cannot be encoded. */
public final class DnsFormatException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public DnsFormatException(String message) {
    super(message);
  }
}
