package io.sidestep.client.detect;

import io.sidestep.core.detect.BlockFingerprints;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.VerifiedHosts;
import io.sidestep.core.net.AddressRanges;
import io.sidestep.core.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How detection behaves. {@link #defaults()}: direct connect timeout 2 s; first-read timeout 3 s
 * (silence after the first flight); 1 s to wait for the user's first bytes (longer means a protocol
 * where the server speaks first, which is spliced without watch); relay answer timeout 10 s;
 * interception check on, good results kept 24 h; learned entries expire after 7 days; no known
 * block-page addresses; bogons as in {@link AddressRanges#BOGONS}; only the built-in blocking words
 * ({@link BlockFingerprints#NONE}); plain-HTTP answers compared with the relay's only when suspect
 * ({@link Compare#SUSPICIOUS}).
 *
 * @param bogons answers a resolver should never give for a public name; tests on loopback narrow it
 * @param fingerprints block-page fingerprints: a match is a block page without asking the relay
 * @param compare when a plain-HTTP answer is compared with the relay's
 */
public record DetectionSettings(
    Duration connectTimeout,
    Duration firstReadTimeout,
    Duration flightWait,
    Duration relayAnswerTimeout,
    boolean interceptionCheck,
    Duration verifiedFor,
    Duration learnedFor,
    List<Cidr> blockPages,
    List<Cidr> bogons,
    BlockFingerprints fingerprints,
    Compare compare) {

  /** When a plain-HTTP answer that came direct is compared with the relay's answer. */
  public enum Compare {
    /** Only an answer that could be a censor's ({@link io.sidestep.core.detect.SuspectAnswer}). */
    SUSPICIOUS,
    /**
     * Never: a suspect answer is shown as it came, with a note that it could not be checked ({@link
     * UncheckedNote}). A direct failure with no answer at all is still replayed through the relay.
     */
    NEVER
  }

  public DetectionSettings {
    Objects.requireNonNull(fingerprints, "fingerprints");
    Objects.requireNonNull(compare, "compare");
    positive(connectTimeout, "connectTimeout");
    positive(firstReadTimeout, "firstReadTimeout");
    positive(flightWait, "flightWait");
    positive(relayAnswerTimeout, "relayAnswerTimeout");
    positive(verifiedFor, "verifiedFor");
    positive(learnedFor, "learnedFor");
    blockPages = List.copyOf(blockPages);
    bogons = List.copyOf(bogons);
  }

  public static DetectionSettings defaults() {
    return new DetectionSettings(
        Duration.ofSeconds(2),
        Duration.ofSeconds(3),
        Duration.ofSeconds(1),
        Duration.ofSeconds(10),
        true,
        VerifiedHosts.DEFAULT_TTL,
        LearnedStore.DEFAULT_TTL,
        List.of(),
        AddressRanges.BOGONS,
        BlockFingerprints.NONE,
        Compare.SUSPICIOUS);
  }

  public DetectionSettings withConnectTimeout(Duration d) {
    return new DetectionSettings(
        d,
        firstReadTimeout,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        blockPages,
        bogons,
        fingerprints,
        compare);
  }

  public DetectionSettings withFirstReadTimeout(Duration d) {
    return new DetectionSettings(
        connectTimeout,
        d,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        blockPages,
        bogons,
        fingerprints,
        compare);
  }

  public DetectionSettings withBlockPages(List<Cidr> list) {
    return new DetectionSettings(
        connectTimeout,
        firstReadTimeout,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        list,
        bogons,
        fingerprints,
        compare);
  }

  public DetectionSettings withBogons(List<Cidr> list) {
    return new DetectionSettings(
        connectTimeout,
        firstReadTimeout,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        blockPages,
        list,
        fingerprints,
        compare);
  }

  public DetectionSettings withFingerprints(BlockFingerprints f) {
    return new DetectionSettings(
        connectTimeout,
        firstReadTimeout,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        blockPages,
        bogons,
        f,
        compare);
  }

  public DetectionSettings withCompare(Compare c) {
    return new DetectionSettings(
        connectTimeout,
        firstReadTimeout,
        flightWait,
        relayAnswerTimeout,
        interceptionCheck,
        verifiedFor,
        learnedFor,
        blockPages,
        bogons,
        fingerprints,
        c);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
    }
  }
}
