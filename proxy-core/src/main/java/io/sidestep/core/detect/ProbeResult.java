package io.sidestep.core.detect;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One host's line in a {@code probe} report: the verdict, the evidence behind it (the technique
 * when blocked), a short detail for {@code ok} and {@code down}, and how long the probe took.
 */
public record ProbeResult(
    String host, ProbeVerdict verdict, Optional<Evidence> evidence, String detail, Duration took) {

  public ProbeResult {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(evidence, "evidence");
    detail = detail == null ? "" : Evidence.sanitise(detail);
    Objects.requireNonNull(took, "took");
    if (verdict.blocked() && evidence.isEmpty()) {
      throw new IllegalArgumentException(
          "probe result for " + host + ": verdict " + verdict.label() + " without evidence");
    }
  }

  /** A blocked verdict, from the technique of the evidence. */
  public static ProbeResult blocked(String host, Evidence evidence, Duration took) {
    return new ProbeResult(
        host, evidence.technique().verdict(), Optional.of(evidence), evidence.text(), took);
  }

  public static ProbeResult ok(String host, String detail, Duration took) {
    return new ProbeResult(host, ProbeVerdict.OK, Optional.empty(), detail, took);
  }

  public static ProbeResult down(String host, String detail, Duration took) {
    return new ProbeResult(host, ProbeVerdict.DOWN, Optional.empty(), detail, took);
  }

  /** The evidence text, or the detail. */
  public String text() {
    return evidence.map(Evidence::text).orElse(detail);
  }
}
