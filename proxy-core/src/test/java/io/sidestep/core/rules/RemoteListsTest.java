package io.sidestep.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sidestep.core.route.Destination;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code RULE-SET,https://…}: parsing, the stored copy, the checks before a copy is stored. */
class RemoteListsTest {
  @TempDir Path dir;

  static final Ed25519PrivateKeyParameters KEY =
      new Ed25519PrivateKeyParameters(new SecureRandom());
  static final String PUB =
      Base64.getEncoder().encodeToString(KEY.generatePublicKey().getEncoded());

  static byte[] sign(byte[] content) {
    Ed25519Signer s = new Ed25519Signer();
    s.init(true, KEY);
    s.update(content, 0, content.length);
    return s.generateSignature();
  }

  private Rules load(String lines) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, lines);
    return Rules.load(f, null, new ListCache(dir));
  }

  @Test
  void goodLinesGiveTheirListsWithDefaults() throws IOException {
    Rules r =
        load(
            "RULE-SET,https://lists.example/a.txt,RELAY\n"
                + "RULE-SET, https://lists.example/b.csv , NEVER-DIRECT , format=csv ,"
                + " interval=6h # comment\n"
                + "RULE-SET,https://lists.example/c.txt,RELAY,pubkey="
                + PUB
                + "\n"
                + "RULE-SET,https://lists.example/d.txt,RELAY,sig=https://sigs.example/d.sig,"
                + "pubkey="
                + PUB
                + ",interval=PT5M,no-resolve\n");
    assertThat(r.remoteLists())
        .extracting(RemoteList::url)
        .containsExactly(
            "https://lists.example/a.txt",
            "https://lists.example/b.csv",
            "https://lists.example/c.txt",
            "https://lists.example/d.txt");
    RemoteList a = r.remoteLists().get(0);
    assertThat(a.interval()).isEqualTo(Duration.ofHours(24));
    assertThat(a.signatureUrl()).isEmpty();
    assertThat(a.publicKey()).isEmpty();
    assertThat(a.format()).isEqualTo("auto");
    assertThat(a.source()).isEqualTo(dir.resolve("rules.txt") + ":1");
    RemoteList b = r.remoteLists().get(1);
    assertThat(b.interval()).isEqualTo(Duration.ofHours(6));
    assertThat(b.format()).isEqualTo("csv");
    assertThat(r.remoteLists().get(2).signatureUrl())
        .as("pubkey= without sig=: the signature is at URL.sig")
        .contains("https://lists.example/c.txt.sig");
    assertThat(r.remoteLists().get(2).publicKey()).contains(PUB);
    RemoteList d = r.remoteLists().get(3);
    assertThat(d.signatureUrl()).contains("https://sigs.example/d.sig");
    assertThat(d.interval()).isEqualTo(Duration.ofMinutes(5));
    assertThat(r.warnings())
        .as("no copy yet: each rule matches nothing, and says so")
        .anyMatch(w -> w.contains("https://lists.example/a.txt: not fetched yet"));
    assertThat(r.decide(Destination.parse("x.example", 443)).action()).isEqualTo(Action.AUTO);
  }

  @Test
  void pubkeyMayBeAPemFileNextToTheRulesFile() throws IOException {
    byte[] spki =
        new org.bouncycastle.asn1.x509.SubjectPublicKeyInfo(
                new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                    org.bouncycastle.asn1.edec.EdECObjectIdentifiers.id_Ed25519),
                KEY.generatePublicKey().getEncoded())
            .getEncoded();
    try (PemWriter w = new PemWriter(Files.newBufferedWriter(dir.resolve("list.pub")))) {
      w.writeObject(new PemObject("PUBLIC KEY", spki));
    }
    Rules r = load("RULE-SET,https://lists.example/a.txt,RELAY,pubkey=list.pub\n");
    assertThat(r.remoteLists().get(0).publicKey()).contains(PUB);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      textBlock =
          """
          RULE-SET,http://lists.example/a.txt,RELAY                 | 10 | list URL 'http://lists.example/a.txt' is not https (expected: https://
          RULE-SET,https:///a.txt,RELAY                             | 10 | list URL 'https:///a.txt' has no host (expected: https://HOST[:PORT]/PATH)
          RULE-SET,https://u:p@lists.example/a.txt,RELAY            | 10 | list URL 'https://u:p@lists.example/a.txt' has user info
          RULE-SET,https://lists.example/a b,RELAY                  | 10 | invalid list URL 'https://lists.example/a b'
          RULE-SET,https://lists.example/a.txt,RELAY,interval=1m    | 53 | interval '1m' out of range (expected: between 5m and 30d)
          RULE-SET,https://lists.example/a.txt,RELAY,interval=31d   | 53 | interval '31d' out of range
          RULE-SET,https://lists.example/a.txt,RELAY,interval=soon  | 53 | invalid interval 'soon' (expected: a duration such as 30m, 6h or 1d)
          RULE-SET,https://lists.example/a.txt,RELAY,interval=      | 53 | missing value after interval=
          RULE-SET,https://lists.example/a.txt,RELAY,format=xml     | 51 | unknown list format 'xml'
          RULE-SET,https://lists.example/a.txt,RELAY,sig=https://s.example/a.sig | 71 | sig= without pubkey= (expected: pubkey=BASE64 or pubkey=FILE as well)
          RULE-SET,https://lists.example/a.txt,RELAY,sig=http://s.example/a.sig,pubkey=x | 48 | signature URL 'http://s.example/a.sig' is not https
          RULE-SET,https://lists.example/a.txt,RELAY,pubkey=nokey.pub | 51 | pubkey 'nokey.pub' is neither a key nor a readable key file
          RULE-SET,https://lists.example/a.txt,RELAY,pubkey=AAAA    | 51 | pubkey 'AAAA' is neither a key nor a readable key file
          RULE-SET,https://lists.example/a.txt,RELAY,refresh=1h     | 44 | unexpected 'refresh=1h' (expected: no-resolve, format=gfwlist, format=clash, format=domains or format=csv, interval=, sig= or pubkey=)
          RULE-SET,lists/a.txt,RELAY,interval=1h                    | 28 | interval= after a list file (expected: interval=, sig= and pubkey= only after an https:// list URL)
          DOMAIN,a.example,RELAY,interval=1h                        | 24 | unexpected 'interval=1h' (expected: nothing after the action)
          """)
  void badLineIsReportedWithItsColumn(String line, int column, String message) throws IOException {
    Path f = dir.resolve("rules.txt");
    Files.writeString(f, "# first\nDOMAIN,ok.example,DIRECT\n" + line.strip() + "\n");
    assertThatThrownBy(() -> Rules.load(f, null, new ListCache(dir)))
        .isInstanceOf(RulesException.class)
        .hasMessageStartingWith(f + ":3:" + column + ": " + message)
        .hasMessageContaining("(expected: ");
  }

  @Test
  void theStoredCopyAppliesAndReasonsNameItsUrlAndFetchTime() throws IOException {
    ListCache cache = new ListCache(dir);
    String url = "https://lists.example/blocked.txt";
    cache.store(
        url, "# blocked\nblocked.example\n.news.example\n".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(
        cache.file(url),
        java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2026-11-30T10:15:00Z")));
    Rules r = load("RULE-SET," + url + ",RELAY\nMATCH,DIRECT\n");
    assertThat(r.decide(Destination.parse("a.news.example", 443)).action()).isEqualTo(Action.RELAY);
    Decision d = r.decide(Destination.parse("blocked.example", 443));
    assertThat(d.action()).isEqualTo(Action.RELAY);
    assertThat(d.reason())
        .contains("rules.txt:1: RULE-SET," + url + ",RELAY")
        .contains(url + " [fetched 2026-11-30 10:15 UTC]");
    assertThat(r.decide(Destination.parse("open.example", 443)).action()).isEqualTo(Action.DIRECT);
    assertThat(cache.file(url)).startsWith(dir.resolve("lists"));
  }

  @Test
  void aCopyChangedByHandThatCannotBeReadIsAWarningNotAStop() throws IOException {
    ListCache cache = new ListCache(dir);
    String url = "https://lists.example/l.yaml";
    cache.store(url, "payload: [unclosed\n".getBytes(StandardCharsets.UTF_8));
    Rules r = load("RULE-SET," + url + ",RELAY,format=clash\nMATCH,DIRECT\n");
    assertThat(r.warnings()).anyMatch(w -> w.startsWith(url + " [fetched "));
    assertThat(r.decide(Destination.parse("a.example", 443)).action()).isEqualTo(Action.DIRECT);
  }

  private static RemoteList list(String format) {
    return new RemoteList(
        "https://lists.example/a.txt",
        Duration.ofHours(1),
        Optional.of("https://lists.example/a.txt.sig"),
        Optional.of(PUB),
        format,
        "rules.txt:1");
  }

  @Test
  void checkCountsEntriesAndRefusesWhatIsNoList() {
    assertThat(list("auto").check("a.example\nb.example\n".getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(2);
    assertThat(
            list("csv")
                .check(
                    "url,category_code\nhttps://www.c.example/,NEWS\n"
                        .getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(1);
    assertThatThrownBy(() -> list("auto").check(new byte[0]))
        .hasMessageStartingWith("no usable entries");
    assertThatThrownBy(
            () ->
                list("auto")
                    .check(
                        "<html><body>Access denied</body></html>".getBytes(StandardCharsets.UTF_8)))
        .hasMessageStartingWith("no usable entries");
    assertThatThrownBy(() -> list("auto").check(new byte[] {(byte) 0xff, (byte) 0xfe, 'a'}))
        .hasMessageStartingWith("not UTF-8 text");
  }

  @Test
  void signaturesAreCheckedRawOrBase64() {
    byte[] content = "a.example\n".getBytes(StandardCharsets.UTF_8);
    byte[] sig = sign(content);
    list("auto").verify(content, sig);
    list("auto").verify(content, (Base64.getEncoder().encodeToString(sig) + "\n").getBytes());
    byte[] tampered = "evil.example\n".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> list("auto").verify(tampered, sig))
        .hasMessageStartingWith("signature does not match");
    assertThatThrownBy(() -> list("auto").verify(content, "junk".getBytes()))
        .hasMessageContaining("malformed (expected: 64 bytes");
  }

  @Test
  void aKeyAndSignatureMadeByOpensslAreAccepted() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        run("openssl", "version") == 0, "openssl is not installed");
    Path key = dir.resolve("key.pem");
    Path list = dir.resolve("kz.txt");
    Files.writeString(list, "blocked.example\n");
    assertThat(run("openssl", "genpkey", "-algorithm", "ed25519", "-out", key.toString())).isZero();
    assertThat(
            run(
                "openssl",
                "pkey",
                "-in",
                key.toString(),
                "-pubout",
                "-out",
                dir.resolve("lists.pub").toString()))
        .isZero();
    assertThat(
            run(
                "openssl",
                "pkeyutl",
                "-sign",
                "-inkey",
                key.toString(),
                "-rawin",
                "-in",
                list.toString(),
                "-out",
                dir.resolve("kz.txt.sig").toString()))
        .isZero();
    Rules r = load("RULE-SET,https://lists.example/kz.txt,RELAY,pubkey=lists.pub\n");
    RemoteList l = r.remoteLists().get(0);
    byte[] content = Files.readAllBytes(list);
    l.verify(content, Files.readAllBytes(dir.resolve("kz.txt.sig")));
    assertThatThrownBy(
            () ->
                l.verify(
                    "evil.example\n".getBytes(StandardCharsets.UTF_8),
                    Files.readAllBytes(dir.resolve("kz.txt.sig"))))
        .hasMessageStartingWith("signature does not match");
  }

  private static int run(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor();
    } catch (IOException e) {
      return -1;
    }
  }
}
