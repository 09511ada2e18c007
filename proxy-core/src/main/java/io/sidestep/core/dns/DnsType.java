package io.sidestep.core.dns;

/** The record types Sidestep names; other types travel as plain numbers. */
public final class DnsType {
  private DnsType() {}

  public static final int A = 1;
  public static final int CNAME = 5;
  public static final int AAAA = 28;

  /** {@code A}, {@code AAAA}, {@code CNAME}, or {@code TYPE<n>} (RFC 3597) for the rest. */
  public static String name(int type) {
    return switch (type) {
      case A -> "A";
      case CNAME -> "CNAME";
      case AAAA -> "AAAA";
      default -> "TYPE" + type;
    };
  }
}
