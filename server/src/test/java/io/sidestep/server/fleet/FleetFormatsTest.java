package io.sidestep.server.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.server.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fleet's key, token and revocation list formats, read back and refused when wrong. */
class FleetFormatsTest {

  final FleetKey key = FleetKey.generate();

  @Test
  void aTokenCarriesNameLimitsAndExpiryAndIsUrlSafe() {
    Limits limits =
        Limits.NONE
            .withWindow(50_000_000_000L, 30)
            .withLifetime(1_000_000_000_000L)
            .withExpires(LocalDate.of(2027, 1, 31))
            .withMaxConns(8)
            .withRate(10_000_000);
    SignedToken t = SignedToken.issue("alice", limits);
    String text = t.sign(key);
    assertThat(text).startsWith("f1.").matches("[A-Za-z0-9._-]+").hasSizeLessThan(300);
    assertThat(SignedToken.verify(text, key.trustKey())).contains(t);
    assertThat(SignedToken.verify(text, FleetKey.generate().trustKey())).isEmpty();
    assertThat(t.toString()).doesNotContain(text.substring(text.lastIndexOf('.') + 1));
    assertThat(t.expiredOn(LocalDate.of(2027, 1, 31))).isFalse();
    assertThat(t.expiredOn(LocalDate.of(2027, 2, 1))).isTrue();
  }

  @Test
  void malformedTokensAreNotValidAndNeverThrow() {
    for (String bad :
        new String[] {
          "", "f1.", "f1..", "f1.a.b.c", "f1.!!!.???", "f1." + "A".repeat(800) + ".x", "x1.a.b"
        }) {
      assertThat(SignedToken.verify(bad, key.trustKey())).as(bad).isEmpty();
    }
  }

  @Test
  void theKeyFileIsPrivateAndReadBack(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("k/fleet-key.pem");
    key.create(file);
    assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----");
    assertThat(FleetKey.load(file).trustKey()).isEqualTo(key.trustKey());
    assertThatThrownBy(() -> key.create(file)).hasMessageContaining("never overwritten");
    Files.writeString(dir.resolve("bad.pem"), "not a key");
    assertThatThrownBy(() -> FleetKey.load(dir.resolve("bad.pem")))
        .hasMessageContaining("bad.pem")
        .hasMessageContaining("expected: an Ed25519 private key");
    assertThat(key.toString()).isEqualTo("FleetKey[" + key.trustKey() + "]");
  }

  @Test
  void trustKeysParseFromTextOrFile(@TempDir Path dir) {
    TrustKey k = key.trustKey();
    assertThat(TrustKey.parse(k.toString())).isEqualTo(k);
    Path file = dir.resolve("fleet.pub");
    k.write(file);
    assertThat(TrustKey.parseOrRead(file.toString())).isEqualTo(k);
    assertThatThrownBy(() -> TrustKey.parse("ed25519:AAAA"))
        .hasMessageContaining("expected: ed25519: and 43 base64url characters");
    assertThatThrownBy(() -> TrustKey.parseOrRead(dir.resolve("none").toString()))
        .hasMessageContaining("neither a key nor a readable file");
  }

  @Test
  void revocationsRevokeANamesEarlierTokensOrOneTokenAndMustBeSigned(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("revocations");
    assertThat(Revocations.read(file, key.trustKey())).isEqualTo(Revocations.EMPTY);
    SignedToken before =
        new SignedToken("alice", "AAAAAAAAAAAA", Instant.parse("2026-01-01T00:00:00Z"), null);
    SignedToken after =
        new SignedToken("alice", "BBBBBBBBBBBB", Instant.parse("2026-03-01T00:00:00Z"), null);
    SignedToken other =
        new SignedToken("bob", "CCCCCCCCCCCC", Instant.parse("2026-01-01T00:00:00Z"), null);
    Revocations r =
        Revocations.EMPTY
            .with(
                new Revocations.Entry(
                    Revocations.Kind.USER, "alice", Instant.parse("2026-02-01T00:00:00Z")))
            .with(
                new Revocations.Entry(
                    Revocations.Kind.TOKEN, "CCCCCCCCCCCC", Instant.parse("2026-02-01T00:00:00Z")));
    r.write(file, key);
    Revocations read = Revocations.read(file, key.trustKey());
    assertThat(read).isEqualTo(r);
    assertThat(read.revokes(before)).isTrue();
    assertThat(read.revokes(after)).as("issued after the revocation").isFalse();
    assertThat(read.revokes(other)).as("by its id").isTrue();
    assertThatThrownBy(() -> Revocations.read(file, FleetKey.generate().trustKey()))
        .hasMessageContaining("signature does not verify");
    Files.writeString(file, Files.readString(file).replace("user alice", "user alicf"));
    assertThatThrownBy(() -> Revocations.read(file, key.trustKey()))
        .hasMessageContaining("signature does not verify");
    Files.writeString(file, "user alice yesterday\n");
    assertThatThrownBy(() -> Revocations.read(file, key.trustKey()))
        .hasMessageStartingWith(file + ":1: ")
        .hasMessageContaining("expected: user NAME INSTANT");
    Files.writeString(file, "user alice 2026-02-01T00:00:00Z\n");
    assertThatThrownBy(() -> Revocations.read(file, key.trustKey()))
        .hasMessageContaining("no signature");
  }
}
