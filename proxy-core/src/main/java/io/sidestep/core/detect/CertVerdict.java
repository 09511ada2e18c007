package io.sidestep.core.detect;

/** What {@link InterceptionCheck} concluded about the chain the direct path presented. */
public sealed interface CertVerdict {

  /** The direct chain validates and shows no sign of interception: commit the user's bytes. */
  record Ok(String note) implements CertVerdict {}

  /** Interception (technique 11): detour through the relay and learn the host. */
  record Mitm(Evidence evidence) implements CertVerdict {}

  /** The relay sees the same failure: the site's certificate is broken, not censored. */
  record BrokenForEveryone(String reason) implements CertVerdict {}

  /** The relay's view is missing or failed: learn nothing. */
  record Unknown(String reason) implements CertVerdict {}

  default boolean learn() {
    return this instanceof Mitm;
  }
}
