package io.sidestep.core.detect;

import java.util.Optional;

/**
 * One chain, judged alone: whether it validates for the host (PKIX against the trust store, and the
 * host name), and whether it carries a known interception certificate.
 *
 * @param failure why it does not validate, when it does not
 * @param interception which certificate marks it as interception, when one does
 */
public record ChainReport(Optional<String> failure, Optional<String> interception) {

  /** Validates and carries no interception mark. */
  public boolean clean() {
    return failure.isEmpty() && interception.isEmpty();
  }

  /** {@code validates}, or what is wrong, for evidence text. */
  public String describe() {
    if (clean()) {
      return "validates";
    }
    StringBuilder b = new StringBuilder();
    interception.ifPresent(b::append);
    failure.ifPresent(
        f -> b.append(b.length() > 0 ? ", " : "").append("does not validate: ").append(f));
    return b.toString();
  }
}
