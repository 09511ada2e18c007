package io.sidestep.core.detect;

import com.google.common.net.InternetDomainName;
import io.sidestep.core.net.IpLiterals;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a plain-HTTP answer that came direct could be a censor's, before anyone but the
 * site has seen the request: only then is it compared with the relay's answer ({@link HttpDiff}),
 * so that an open site never reaches the relay.
 *
 * <p>An answer is suspect when it:
 *
 * <ul>
 *   <li>redirects to a bare IP address, or to a host of another registrable domain ({@link
 *       #registrableDomain});
 *   <li>has a 4xx or 5xx status;
 *   <li>matches a vague block-page fingerprint ({@link BlockFingerprints#VAGUE_WORDS} and the
 *       user's {@code vbw} rows);
 *   <li>came faster than the path's round trip allows: its first byte less than half the TCP
 *       connect time after the request, when the connect took at least {@value #MIN_RTT_MS} ms (a
 *       shorter one is too noisy to tell); an answer injected on the way comes from closer than the
 *       site.
 * </ul>
 *
 * An answer matching any other fingerprint is a block page outright. Anything else, an ordinary 200
 * or a redirect to the same host or registrable domain (http to https included), is open.
 */
public final class SuspectAnswer {

  /** Connect times shorter than this say nothing about an injected answer: 10 ms. */
  public static final long MIN_RTT_MS = 10;

  /** What the answer looks like. */
  public sealed interface Verdict {
    /** Nothing a censor would send: the relay never sees it. */
    record Open() implements Verdict {}

    /** Could be a censor's: compare with the relay's answer. */
    record Suspect(String reason) implements Verdict {}

    /** Matches a block-page fingerprint: no comparison needed. */
    record BlockPage(Evidence evidence) implements Verdict {}
  }

  private final BlockFingerprints fingerprints;
  private final Clock clock;

  public SuspectAnswer(BlockFingerprints fingerprints, Clock clock) {
    this.fingerprints = Objects.requireNonNull(fingerprints, "fingerprints");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Judges the direct answer to a request for {@code requestHost}.
   *
   * @param connect how long the TCP connect to the same address took
   * @param firstByte how long after the request the answer's first byte came
   */
  public Verdict judge(
      String requestHost, ResponseSummary answer, Duration connect, Duration firstByte) {
    Optional<BlockFingerprints.Fingerprint> fp = fingerprints.match(answer);
    if (fp.isPresent() && !fp.get().vague()) {
      return new Verdict.BlockPage(
          Evidence.of(
              Technique.HTTP_BLOCKPAGE,
              "direct "
                  + answer.describe()
                  + " matches block-page fingerprint '"
                  + fp.get().name()
                  + "'",
              clock));
    }
    Optional<String> target = HttpDiff.redirectHost(answer);
    if (target.isPresent() && IpLiterals.isIpLiteral(target.get())) {
      return new Verdict.Suspect("redirect to the address " + target.get());
    }
    if (target.isPresent()
        && !registrableDomain(target.get()).equals(registrableDomain(requestHost))) {
      return new Verdict.Suspect("redirect to another site, " + target.get());
    }
    if (answer.status() >= 400) {
      return new Verdict.Suspect("status " + answer.status());
    }
    if (fp.isPresent()) {
      return new Verdict.Suspect("blocking words: " + fp.get().name());
    }
    if (connect.toMillis() >= MIN_RTT_MS && firstByte.multipliedBy(2).compareTo(connect) < 0) {
      return new Verdict.Suspect(
          "answered in "
              + firstByte.toMillis()
              + " ms, faster than the "
              + connect.toMillis()
              + " ms round trip");
    }
    return new Verdict.Open();
  }

  /**
   * The registrable domain of {@code host}, lower case: the public suffix plus one label, by the
   * Public Suffix List as Guava's {@link InternetDomainName} knows it ({@code news.example.com.kz}
   * → {@code example.com.kz}). A name under no listed suffix (an intranet name, {@code .test}) is
   * cut to its last two labels; an address or a name Guava cannot read is itself.
   */
  public static String registrableDomain(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (IpLiterals.isIpLiteral(h)) {
      return h;
    }
    try {
      InternetDomainName name = InternetDomainName.from(h);
      if (name.isUnderPublicSuffix()) {
        return name.topPrivateDomain().toString();
      }
    } catch (IllegalArgumentException | IllegalStateException e) {
      return h;
    }
    int last = h.lastIndexOf('.');
    int cut = last <= 0 ? -1 : h.lastIndexOf('.', last - 1);
    return cut < 0 ? h : h.substring(cut + 1);
  }
}
