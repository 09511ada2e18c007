package io.sidestep.server.fleet;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * The public half of the operator's {@link FleetKey}: what a relay run with {@code --trust-key}
 * checks signatures against. Written {@code ed25519:BASE64URL} (43 characters after the prefix).
 */
public final class TrustKey {

  static final String PREFIX = "ed25519:";

  private final Ed25519PublicKeyParameters key;

  TrustKey(Ed25519PublicKeyParameters key) {
    this.key = key;
  }

  /**
   * {@code ed25519:BASE64URL}.
   *
   * @throws IllegalArgumentException for anything else
   */
  public static TrustKey parse(String text) {
    String t = text.strip();
    String expected = " (expected: ed25519: and 43 base64url characters, as `fleet init` prints)";
    if (!t.startsWith(PREFIX)) {
      throw new IllegalArgumentException("trust key: '" + t + "'" + expected);
    }
    byte[] raw;
    try {
      raw = Base64.getUrlDecoder().decode(t.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("trust key: '" + t + "'" + expected, e);
    }
    if (raw.length != Ed25519PublicKeyParameters.KEY_SIZE) {
      throw new IllegalArgumentException("trust key: '" + t + "'" + expected);
    }
    return new TrustKey(new Ed25519PublicKeyParameters(raw, 0));
  }

  /** The key itself ({@code ed25519:…}), or the first non-comment line of the file it names. */
  public static TrustKey parseOrRead(String keyOrFile) {
    if (keyOrFile.strip().startsWith(PREFIX)) {
      return parse(keyOrFile);
    }
    Path file = Path.of(keyOrFile);
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        if (!line.isBlank() && !line.strip().startsWith("#")) {
          try {
            return parse(line);
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
          }
        }
      }
      throw new IllegalArgumentException(
          "trust key: " + file + " is empty (expected: ed25519:BASE64URL)");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "trust key: '"
              + keyOrFile
              + "' is neither a key nor a readable file ("
              + AtomicFiles.describe(e)
              + "; expected: ed25519:BASE64URL or a file holding it)",
          e);
    }
  }

  /** Whether {@code signature} is this key's over {@code data}; never throws. */
  boolean verifies(byte[] data, byte[] signature) {
    if (signature.length != Ed25519PublicKeyParameters.KEY_SIZE * 2) {
      return false;
    }
    Ed25519Signer v = new Ed25519Signer();
    v.init(false, key);
    v.update(data, 0, data.length);
    return v.verifySignature(signature);
  }

  /** Writes {@code ed25519:…} to {@code file}, readable by all (it is public). */
  public void write(Path file) {
    AtomicFiles.write(file, (this + "\n").getBytes(StandardCharsets.US_ASCII), AtomicFiles.PUBLIC);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrustKey t && Arrays.equals(key.getEncoded(), t.key.getEncoded());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key.getEncoded());
  }

  @Override
  public String toString() {
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded());
  }
}
