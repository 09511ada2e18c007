package io.sidestep.core.detect;

import io.sidestep.core.net.AddressRanges;
import io.sidestep.core.net.IpLiterals;
import java.net.URI;
import java.time.Clock;
import java.util.HashSet;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Compares a plain-HTTP response fetched directly with the relay's response to the same GET or HEAD
 * (technique 10), by OONI's Web Connectivity rules.
 *
 * <p>The direct response is a block page when:
 *
 * <ul>
 *   <li>its status differs from the relay's; or
 *   <li>the body lengths differ a lot (shorter / longer ≤ {@value #BODY_RATIO}) and the titles
 *       share no word of {@value #TITLE_WORD} letters or more and the responses share no uncommon
 *       header (one not in {@link #COMMON_HEADERS}); or
 *   <li>it redirects to a host whose address the relay does not confirm ({@link RedirectCheck}), or
 *       to a non-public IP literal.
 * </ul>
 *
 * <p>Beyond OONI, because a block page about as long as a small site's page slips through the
 * length rule: two pages whose titles share no word ({@link #titlesDisagree}), whose bodies share
 * less than {@value #MAX_SIMILARITY} of their words (markup included, so that the same site in
 * another language still matches) and which share no uncommon header are different pages too.
 *
 * <p>When the relay's own response is a server error (5xx) nothing can be concluded.
 */
public final class HttpDiff {

  /** Body lengths whose ratio is at most this differ: 0.7 (OONI). */
  public static final double BODY_RATIO = 0.7;

  /** Title words this long or longer count: 5 letters (OONI). */
  public static final int TITLE_WORD = 5;

  /**
   * Headers nearly every server sends, which say nothing about which server answered: OONI's list,
   * plus the framing headers.
   */
  public static final Set<String> COMMON_HEADERS =
      Set.of(
          "date",
          "content-type",
          "server",
          "cache-control",
          "vary",
          "set-cookie",
          "location",
          "expires",
          "x-powered-by",
          "content-encoding",
          "last-modified",
          "accept-ranges",
          "pragma",
          "x-frame-options",
          "etag",
          "x-content-type-options",
          "age",
          "via",
          "p3p",
          "x-xss-protection",
          "content-language",
          "cf-ray",
          "strict-transport-security",
          "link",
          "x-varnish",
          "content-length",
          "transfer-encoding",
          "connection",
          "keep-alive");

  /** What the relay said about the host a direct redirect points at. */
  public enum RedirectCheck {
    /** The relay resolves the redirect's host to a public address the local answer shares. */
    CONFIRMED,
    /** The relay does not resolve the host, or the local answer for it was tampered with. */
    NOT_CONFIRMED,
    /** Not asked (no redirect, or the relay's resolver failed). */
    UNCHECKED
  }

  /** What the comparison concluded. */
  public sealed interface Verdict {
    /** The responses are the same page as far as OONI's rules tell. */
    record Same(String note) implements Verdict {}

    /** The direct response is a block page: the user gets the relay's, and the host is learned. */
    record BlockPage(Evidence evidence) implements Verdict {}

    /** The relay's response cannot serve as the control. Learn nothing. */
    record Unknown(String reason) implements Verdict {}
  }

  private final Clock clock;

  public HttpDiff(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The host of the direct response's redirect when it needs the relay's confirmation: the direct
   * response redirects to another host than {@code requestHost} and the relay's response does not
   * redirect there too. Empty otherwise.
   */
  public static Optional<String> redirectHostToConfirm(
      String requestHost, ResponseSummary direct, ResponseSummary relay) {
    Optional<String> target = redirectHost(direct);
    if (target.isEmpty()
        || target.get().equalsIgnoreCase(requestHost)
        || IpLiterals.isIpLiteral(target.get())) {
      return Optional.empty();
    }
    if (redirectHost(relay).filter(h -> h.equalsIgnoreCase(target.get())).isPresent()) {
      return Optional.empty();
    }
    return target;
  }

  /** Compares the two responses to the same request for {@code requestHost}. */
  public Verdict compare(
      String requestHost, ResponseSummary direct, ResponseSummary relay, RedirectCheck redirect) {
    String both = "direct " + direct.describe() + "; relay " + relay.describe();
    if (relay.status() >= 500) {
      return new Verdict.Unknown("relay got a server error: " + both);
    }
    Optional<String> target = redirectHost(direct);
    if (target.isPresent() && !target.get().equalsIgnoreCase(requestHost)) {
      String t = target.get();
      boolean relaySame = redirectHost(relay).filter(h -> h.equalsIgnoreCase(t)).isPresent();
      if (IpLiterals.isIpLiteral(t) && AddressRanges.isBogon(IpLiterals.parse(t)) && !relaySame) {
        return blockPage(
            "direct redirects to non-public address " + t + "; relay " + relay.describe());
      }
      if (!relaySame && redirect == RedirectCheck.NOT_CONFIRMED) {
        return blockPage(
            "direct redirects to "
                + t
                + ", which the relay does not confirm; relay "
                + relay.describe());
      }
    }
    if (direct.status() != relay.status()) {
      return blockPage("status differs: " + both);
    }
    double ratio = ratio(direct.bodyLength(), relay.bodyLength());
    boolean lengthsDiffer = ratio <= BODY_RATIO;
    Set<String> sharedWords = sharedTitleWords(direct.title(), relay.title());
    Set<String> sharedHeaders = sharedUncommonHeaders(direct, relay);
    if (sharedHeaders.isEmpty() && titlesDisagree(direct, relay)) {
      double similarity = similarity(direct.words(), relay.words());
      if (similarity < MAX_SIMILARITY) {
        return blockPage(
            String.format(
                Locale.ROOT,
                "%s; titles share no word, body words %.0f%% alike, no shared uncommon header",
                both,
                similarity * 100));
      }
    }
    if (lengthsDiffer && sharedWords.isEmpty() && sharedHeaders.isEmpty()) {
      return blockPage(
          String.format(
              Locale.ROOT,
              "%s; body ratio %.2f, no shared title word, no shared uncommon header",
              both,
              ratio));
    }
    String why =
        !lengthsDiffer
            ? String.format(Locale.ROOT, "body ratio %.2f", ratio)
            : !sharedWords.isEmpty()
                ? "shared title word '" + sharedWords.iterator().next() + "'"
                : "shared header '" + sharedHeaders.iterator().next() + "'";
    return new Verdict.Same(why);
  }

  private Verdict blockPage(String text) {
    return new Verdict.BlockPage(Evidence.of(Technique.HTTP_BLOCKPAGE, text, clock));
  }

  /**
   * Below this share of common body words two pages with unrelated titles are different pages: 0.3.
   */
  public static final double MAX_SIMILARITY = 0.3;

  /**
   * Whether both pages have a title, the titles share no word of {@value #TITLE_WORD} letters or
   * more, and at least one has such a word (so that "BBC" against "CNN" proves nothing).
   */
  static boolean titlesDisagree(ResponseSummary a, ResponseSummary b) {
    if (a.title().isEmpty() || b.title().isEmpty()) {
      return false;
    }
    Set<String> wa = titleWords(a.title());
    Set<String> wb = titleWords(b.title());
    if (wa.isEmpty() && wb.isEmpty()) {
      return false;
    }
    wa.retainAll(wb);
    return wa.isEmpty();
  }

  /** Jaccard similarity of two word sets; 1 when either is unknown (empty). */
  static double similarity(Set<String> a, Set<String> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return 1.0;
    }
    Set<String> shared = new HashSet<>(a);
    shared.retainAll(b);
    return (double) shared.size() / (a.size() + b.size() - shared.size());
  }

  /** Shorter over longer; 1 when both are empty. */
  static double ratio(long a, long b) {
    long max = Math.max(a, b);
    return max <= 0 ? 1.0 : (double) Math.min(a, b) / max;
  }

  static Set<String> sharedTitleWords(String a, String b) {
    Set<String> wa = titleWords(a);
    wa.retainAll(titleWords(b));
    return wa;
  }

  private static Set<String> titleWords(String title) {
    Set<String> words = new HashSet<>();
    for (String w : title.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (w.codePointCount(0, w.length()) >= TITLE_WORD) {
        words.add(w);
      }
    }
    return words;
  }

  static Set<String> sharedUncommonHeaders(ResponseSummary a, ResponseSummary b) {
    Set<String> shared = new HashSet<>(a.headers().keySet());
    shared.retainAll(b.headers().keySet());
    shared.removeAll(COMMON_HEADERS);
    return shared;
  }

  /** The host a redirect points at, lower case; empty for a relative or missing Location. */
  static Optional<String> redirectHost(ResponseSummary r) {
    if (!r.redirect()) {
      return Optional.empty();
    }
    String location = r.header("location").orElse("");
    try {
      String host = URI.create(location.trim()).getHost();
      if (host == null) {
        return Optional.empty();
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      return Optional.of(host.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
