package io.sidestep.client.relay;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The one description of the ClientHello the client sends to a relay: that of desktop Chrome 131 to
 * 142 (BoringSSL) on a fresh connection, JA4 {@code t13d1516h2_8daaf6152771_d8a2da3f94cd} with SNI.
 * When Chrome changes its hello, this class is what changes.
 *
 * <p>Per connection, as Chrome does: GREASE values (RFC 8701) in front of the cipher suites, the
 * groups, the key shares and the versions, and as the first (empty) and last (one zero byte)
 * extensions; the extensions between them in a fresh random order; a GREASE encrypted_client_hello
 * of random content.
 */
final class ChromeHello {
  private ChromeHello() {}

  /** Chrome's cipher suites in its order, without the leading GREASE value. */
  static final int[] CIPHER_SUITES = {
    0x1301,
    0x1302,
    0x1303, // TLS 1.3: AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305
    0xc02b,
    0xc02f,
    0xc02c,
    0xc030, // ECDHE-ECDSA/RSA with AES-GCM
    0xcca9,
    0xcca8, // ECDHE-ECDSA/RSA with ChaCha20-Poly1305
    0xc013,
    0xc014, // ECDHE-RSA with AES-CBC-SHA
    0x009c,
    0x009d,
    0x002f,
    0x0035 // RSA key exchange
  };

  /** Named groups after the GREASE one: X25519MLKEM768, X25519, P-256, P-384. */
  static final int[] GROUPS = {0x11ec, 0x001d, 0x0017, 0x0018};

  /** Groups with a key share in the first flight (after the GREASE share). */
  static final int[] KEY_SHARES = {0x11ec, 0x001d};

  /** Signature algorithms, in Chrome's order (no GREASE here, as in Chrome). */
  static final int[] SIGNATURE_ALGORITHMS = {
    0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601
  };

  /** Offered by ALPN, and by ALPS for the first. */
  static final List<String> ALPN = List.of("h2", "http/1.1");

  static final int SERVER_NAME = 0x0000;
  static final int STATUS_REQUEST = 0x0005;
  static final int SUPPORTED_GROUPS = 0x000a;
  static final int EC_POINT_FORMATS = 0x000b;
  static final int SIGNATURE_ALGORITHMS_EXT = 0x000d;
  static final int ALPN_EXT = 0x0010;
  static final int SIGNED_CERTIFICATE_TIMESTAMP = 0x0012;
  static final int EXTENDED_MASTER_SECRET = 0x0017;
  static final int COMPRESS_CERTIFICATE = 0x001b;
  static final int SESSION_TICKET = 0x0023;
  static final int SUPPORTED_VERSIONS = 0x002b;
  static final int PSK_KEY_EXCHANGE_MODES = 0x002d;
  static final int KEY_SHARE = 0x0033;
  static final int APPLICATION_SETTINGS = 0x44cd;
  static final int ENCRYPTED_CLIENT_HELLO = 0xfe0d;
  static final int RENEGOTIATION_INFO = 0xff01;

  /**
   * Every extension Chrome sends besides the two GREASE ones, in no particular order (Chrome
   * permutes them per connection). server_name is left out for an IP literal, as Chrome does.
   */
  static final int[] EXTENSIONS = {
    SERVER_NAME,
    EXTENDED_MASTER_SECRET,
    RENEGOTIATION_INFO,
    SUPPORTED_GROUPS,
    EC_POINT_FORMATS,
    SESSION_TICKET,
    ALPN_EXT,
    STATUS_REQUEST,
    SIGNATURE_ALGORITHMS_EXT,
    SIGNED_CERTIFICATE_TIMESTAMP,
    KEY_SHARE,
    PSK_KEY_EXCHANGE_MODES,
    SUPPORTED_VERSIONS,
    COMPRESS_CERTIFICATE,
    APPLICATION_SETTINGS,
    ENCRYPTED_CLIENT_HELLO
  };

  /**
   * Offered certificate compression: brotli. Our TLS stack cannot decompress, so a relay must never
   * compress its chain (it does not: none is configured there); Chrome offers it all the same.
   */
  static final int CERT_COMPRESSION_BROTLI = 0x0002;

  /** Sizes Chrome gives a GREASE ECH payload. */
  private static final int[] ECH_PAYLOAD_SIZES = {144, 176, 208, 240};

  /** The random choices of one connection, drawn once: GREASE values and extension order. */
  record Shape(
      int cipherGrease,
      int groupGrease,
      int versionGrease,
      int firstExtensionGrease,
      int lastExtensionGrease,
      List<Integer> order,
      byte[] ech) {

    static Shape draw(Random random) {
      int first = grease(random);
      int last = grease(random);
      if (last == first) {
        last ^= 0x1010; // Chrome's two GREASE extensions always differ
      }
      List<Integer> order = new ArrayList<>();
      for (int type : EXTENSIONS) {
        order.add(type);
      }
      Collections.shuffle(order, random);
      return new Shape(
          grease(random),
          grease(random),
          grease(random),
          first,
          last,
          List.copyOf(order),
          echGrease(random));
    }
  }

  static Shape draw() {
    return Shape.draw(RANDOM);
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** A GREASE value: 0x?a?a with the same nibble twice. */
  static int grease(Random random) {
    int n = random.nextInt(16);
    return (n << 12) | 0x0a00 | (n << 4) | 0x0a;
  }

  static boolean isGrease(int value) {
    return (value & 0x0f0f) == 0x0a0a && (value >> 8) == (value & 0xff);
  }

  /** The fixed-content extensions' bytes. */
  static byte[] statusRequest() {
    return new byte[] {1, 0, 0, 0, 0}; // OCSP, no responder IDs, no extensions
  }

  static byte[] ecPointFormats() {
    return new byte[] {1, 0}; // uncompressed
  }

  static byte[] renegotiationInfo() {
    return new byte[] {0}; // an empty renegotiated_connection
  }

  static byte[] pskKeyExchangeModes() {
    return new byte[] {1, 1}; // psk_dhe_ke
  }

  static byte[] compressCertificate() {
    return new byte[] {2, 0, (byte) CERT_COMPRESSION_BROTLI};
  }

  static byte[] applicationSettings() {
    return protocolList(List.of(ALPN.get(0)));
  }

  static byte[] alpn() {
    return protocolList(ALPN);
  }

  static byte[] supportedGroups(int grease) {
    return u16List(grease, GROUPS);
  }

  static byte[] signatureAlgorithms() {
    return u16List(-1, SIGNATURE_ALGORITHMS);
  }

  /** A u16-length-prefixed list of u16 values, {@code first} in front unless negative. */
  private static byte[] u16List(int first, int[] values) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int n = values.length + (first < 0 ? 0 : 1);
    u16(out, 2 * n);
    if (first >= 0) {
      u16(out, first);
    }
    for (int v : values) {
      u16(out, v);
    }
    return out.toByteArray();
  }

  private static byte[] protocolList(List<String> names) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (String name : names) {
      byte[] b = name.getBytes(StandardCharsets.US_ASCII);
      list.write(b.length);
      list.writeBytes(b);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    u16(out, list.size());
    out.writeBytes(list.toByteArray());
    return out.toByteArray();
  }

  /**
   * A GREASE encrypted_client_hello (outer): HKDF-SHA256 and AES-128-GCM, a random config id, a
   * random 32-byte X25519 "key" and a random payload of one of Chrome's sizes.
   */
  private static byte[] echGrease(Random random) {
    byte[] enc = new byte[32];
    random.nextBytes(enc);
    byte[] payload = new byte[ECH_PAYLOAD_SIZES[random.nextInt(ECH_PAYLOAD_SIZES.length)]];
    random.nextBytes(payload);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0); // outer
    u16(out, 0x0001);
    u16(out, 0x0001);
    out.write(random.nextInt(256));
    u16(out, enc.length);
    out.writeBytes(enc);
    u16(out, payload.length);
    out.writeBytes(payload);
    return out.toByteArray();
  }

  static void u16(ByteArrayOutputStream out, int v) {
    out.write(v >> 8);
    out.write(v);
  }
}
