package io.sidestep.core.rules.internal;

import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.RemoteList;
import io.sidestep.core.rules.RulesException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/**
 * Lists named by URL: a {@code RULE-SET,https://…} line uses the copy last stored in the {@link
 * ListCache} (none yet: the rule matches nothing, with a warning), and a fetched copy is checked
 * here (its format, and its Ed25519 signature with Bouncy Castle) before it may replace the stored
 * one.
 */
public final class RemoteLists {
  private static final DateTimeFormatter SHOWN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private RemoteLists() {}

  /**
   * Adds the rule of a URL line and the entries of its stored copy to {@code b}, and the list to
   * {@code remotes}.
   */
  static void include(
      RuleIndex.Builder b,
      Path rulesFile,
      RuleLine rl,
      int lineNo,
      ListCache cache,
      Set<Path> watched,
      List<String> warnings,
      List<RemoteList> remotes)
      throws LineError {
    RemoteOptions o = rl.remote();
    Optional<String> key =
        o.pubkey() == null
            ? Optional.empty()
            : Optional.of(publicKey(rulesFile, o.pubkey(), o.pubkeyColumn()));
    remotes.add(
        new RemoteList(
            o.url(),
            o.interval(),
            Optional.ofNullable(o.sigUrl()),
            key,
            rl.format().name().toLowerCase(Locale.ROOT),
            rulesFile + ":" + lineNo));
    Path file = cache == null ? null : cache.file(o.url());
    Optional<Instant> fetched = cache == null ? Optional.empty() : cache.fetchedAt(o.url());
    if (file != null) {
      watched.add(file);
    }
    if (fetched.isEmpty()) {
      b.rule(lineNo, rl.text(), rl.action(), o.url(), Long.MAX_VALUE);
      RulesFiles.warn(
          warnings, o.url() + ": not fetched yet; its rule matches nothing until it is");
      return;
    }
    String name = o.url() + " [fetched " + SHOWN.format(fetched.get()) + "]";
    b.rule(lineNo, rl.text(), rl.action(), name, Long.MAX_VALUE);
    String text;
    try {
      text = RulesFiles.read(file, file.toString(), "a stored copy of " + o.url());
    } catch (RulesException e) {
      RulesFiles.warn(warnings, e.getMessage() + "; its rule matches nothing until a new fetch");
      return;
    }
    try {
      Lists.parse(b, name, text, rl.format(), rl.noResolve(), warnings);
    } catch (LineError e) {
      // Checked before it was stored, so only a copy changed by hand gets here: a list from
      // elsewhere must not stop the rules file.
      RulesFiles.warn(
          warnings,
          name + ": line " + e.column() + ": " + e.getMessage() + "; the rest of the list ignored");
    }
  }

  /** See {@link RemoteList#check}. */
  public static int check(RemoteList list, byte[] content) {
    String text;
    try {
      text = RulesFiles.utf8(content);
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("not UTF-8 text (expected: a list in UTF-8)");
    }
    RuleIndex.Builder b = RuleIndex.builder("check", "");
    b.rule(1, "check", io.sidestep.core.rules.Action.RELAY, list.url(), Long.MAX_VALUE);
    List<String> warnings = new ArrayList<>();
    ListFormat format;
    try {
      format = ListFormat.parse(list.format(), 1);
    } catch (LineError e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    int entries;
    try {
      entries = Lists.parse(b, list.url(), text, format, false, warnings);
    } catch (LineError e) {
      throw new IllegalArgumentException(
          "line " + e.column() + ": " + e.getMessage() + " (expected: a list Sidestep can read)");
    }
    if (entries == 0) {
      throw new IllegalArgumentException(
          "no usable entries (expected: a list; an error page or an empty file is not one)");
    }
    return entries;
  }

  /** See {@link RemoteList#verify}. */
  public static void verify(String publicKey, byte[] content, byte[] signature) {
    byte[] sig = signature;
    if (sig.length != 64) {
      try {
        sig =
            Base64.getMimeDecoder()
                .decode(new String(signature, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException e) {
        sig = new byte[0];
      }
    }
    if (sig.length != 64) {
      throw new IllegalArgumentException(
          "signature of "
              + signature.length
              + " bytes is malformed (expected: 64 bytes of Ed25519 signature, raw or in base64)");
    }
    Ed25519Signer verifier = new Ed25519Signer();
    verifier.init(false, new Ed25519PublicKeyParameters(Base64.getDecoder().decode(publicKey), 0));
    verifier.update(content, 0, content.length);
    if (!verifier.verifySignature(sig)) {
      throw new IllegalArgumentException(
          "signature does not match (expected: the list as signed by the key of pubkey=)");
    }
  }

  /**
   * The raw Ed25519 key, in base64, of a {@code pubkey=} value: the key in base64 (32 raw bytes or
   * an X.509 SubjectPublicKeyInfo), or a file next to the rules file holding it in base64 or PEM
   * ({@code openssl pkey -pubout} writes one).
   */
  static String publicKey(Path rulesFile, String value, int column) throws LineError {
    byte[] raw = rawKey(value);
    if (raw != null) {
      return Base64.getEncoder().encodeToString(raw);
    }
    Path file = rulesFile.resolveSibling(value);
    String text;
    try {
      if (!Files.isRegularFile(file) || Files.size(file) > 64 * 1024) {
        throw new LineError(
            column,
            "pubkey '"
                + value
                + "' is neither a key nor a readable key file (expected: an Ed25519 public key in"
                + " base64, or a file with one in base64 or PEM)");
      }
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new LineError(column, "cannot read pubkey file '" + value + "': " + e.getMessage());
    }
    raw = text.contains("-----BEGIN") ? pemKey(text) : rawKey(text.strip());
    if (raw == null) {
      throw new LineError(
          column,
          "pubkey file '"
              + value
              + "' holds no Ed25519 public key (expected: one in base64, or PEM 'PUBLIC KEY')");
    }
    return Base64.getEncoder().encodeToString(raw);
  }

  private static byte[] pemKey(String text) {
    try (PemReader r = new PemReader(new StringReader(text))) {
      PemObject o = r.readPemObject();
      return o == null ? null : fromDer(o.getContent());
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static byte[] rawKey(String base64) {
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      return null;
    }
    return bytes.length == 32 ? bytes : fromDer(bytes);
  }

  private static byte[] fromDer(byte[] der) {
    try {
      SubjectPublicKeyInfo info = SubjectPublicKeyInfo.getInstance(der);
      if (!EdECObjectIdentifiers.id_Ed25519.equals(info.getAlgorithm().getAlgorithm())) {
        return null;
      }
      byte[] key = info.getPublicKeyData().getOctets();
      return key.length == 32 ? key : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
