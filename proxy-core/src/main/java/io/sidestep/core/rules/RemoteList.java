package io.sidestep.core.rules;

import io.sidestep.core.rules.internal.RemoteLists;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A list that a {@code RULE-SET,https://…,ACTION} line of the rules file names, as the client must
 * fetch it. The rules use the copy last stored in the {@link ListCache}; fetching is the client's
 * job.
 *
 * @param url the list's https URL
 * @param interval how often to fetch it (24 h unless {@code interval=} says otherwise)
 * @param signatureUrl the URL of its detached Ed25519 signature; empty when the list is not signed
 * @param publicKey the raw 32-byte Ed25519 key that signs it, in base64; empty when not signed
 * @param format the list's format as the line gives it ({@code auto} unless {@code format=})
 * @param source where the line is, {@code FILE:LINE}, for log lines
 */
public record RemoteList(
    String url,
    Duration interval,
    Optional<String> signatureUrl,
    Optional<String> publicKey,
    String format,
    String source) {

  public RemoteList {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(signatureUrl, "signatureUrl");
    Objects.requireNonNull(publicKey, "publicKey");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(source, "source");
  }

  /**
   * Checks that {@code content} is a list the rules can use: UTF-8 text (or base64 of it) in the
   * line's format, with at least one usable entry. A fetched copy that fails this (an error page, a
   * truncated file) must not replace the stored one.
   *
   * @return how many entries it has
   * @throws IllegalArgumentException saying what is wrong
   */
  public int check(byte[] content) {
    return RemoteLists.check(this, content);
  }

  /**
   * Checks {@code signature} (64 raw bytes, or their base64) over {@code content} with {@link
   * #publicKey}; does nothing for a list that is not signed.
   *
   * @throws IllegalArgumentException when the signature is malformed or does not match
   */
  public void verify(byte[] content, byte[] signature) {
    if (publicKey.isPresent()) {
      RemoteLists.verify(publicKey.get(), content, signature);
    }
  }
}
