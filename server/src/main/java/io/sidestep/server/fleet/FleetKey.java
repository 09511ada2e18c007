package io.sidestep.server.fleet;

import io.sidestep.core.files.AtomicFiles;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * The operator's Ed25519 signing key, which signs access keys and the revocation list. It is kept
 * in a PKCS#8 PEM file ({@code openssl pkey} reads it) of mode 600, on the operator's machine
 * rather than on the relays, which need only its {@link #trustKey() public half}. {@link
 * #toString()} shows the public half only.
 */
public final class FleetKey {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Ed25519PrivateKeyParameters key;

  private FleetKey(Ed25519PrivateKeyParameters key) {
    this.key = key;
  }

  /** A new random key. */
  public static FleetKey generate() {
    return new FleetKey(new Ed25519PrivateKeyParameters(RANDOM));
  }

  /** The public key relays trust. */
  public TrustKey trustKey() {
    return new TrustKey(key.generatePublicKey());
  }

  /** Signs {@code data} (64 bytes). */
  byte[] sign(byte[] data) {
    Ed25519Signer signer = new Ed25519Signer();
    signer.init(true, key);
    signer.update(data, 0, data.length);
    return signer.generateSignature();
  }

  /**
   * Writes the key to {@code file} with mode 600.
   *
   * @throws IllegalArgumentException when {@code file} exists: a signing key is never overwritten
   */
  public void create(Path file) {
    if (Files.exists(file)) {
      throw new IllegalArgumentException(
          "fleet key: " + file + " exists (expected: a new file; a key is never overwritten)");
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      AtomicFiles.createPrivateDirectories(parent);
    }
    StringWriter pem = new StringWriter();
    try (PemWriter w = new PemWriter(pem)) {
      w.writeObject(
          new PemObject(
              "PRIVATE KEY", PrivateKeyInfoFactory.createPrivateKeyInfo(key).getEncoded()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    AtomicFiles.write(
        file, pem.toString().getBytes(StandardCharsets.US_ASCII), AtomicFiles.PRIVATE);
  }

  /**
   * Reads a key that {@link #create} wrote.
   *
   * @throws IllegalArgumentException when the file is missing or holds no Ed25519 private key
   */
  public static FleetKey load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(
          "fleet key: " + file + " does not exist (expected: a key made by `fleet init`)");
    } catch (IOException e) {
      throw new UncheckedIOException(
          "fleet key: cannot read " + file + ": " + AtomicFiles.describe(e), e);
    }
    try (PemReader r = new PemReader(new StringReader(text))) {
      PemObject o = r.readPemObject();
      if (o == null || !o.getType().equals("PRIVATE KEY")) {
        throw new IllegalArgumentException("no PRIVATE KEY block");
      }
      AsymmetricKeyParameter k =
          PrivateKeyFactory.createKey(PrivateKeyInfo.getInstance(o.getContent()));
      if (!(k instanceof Ed25519PrivateKeyParameters ed)) {
        throw new IllegalArgumentException("not an Ed25519 key");
      }
      return new FleetKey(ed);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "fleet key: "
              + file
              + ": "
              + e.getMessage()
              + " (expected: an Ed25519 private key in PEM, made by `fleet init`)",
          e);
    }
  }

  @Override
  public String toString() {
    return "FleetKey[" + trustKey() + "]";
  }
}
