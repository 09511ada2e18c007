package io.sidestep.core.detect;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;

class FirstFlightTest {

  /** The ClientHello the JDK itself sends, SNI included: a real one, made without a socket. */
  static byte[] jdkClientHello(String sni) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, null, null);
    SSLEngine engine = ctx.createSSLEngine(sni, 443);
    engine.setUseClientMode(true);
    SSLParameters p = engine.getSSLParameters();
    p.setServerNames(List.of(new SNIHostName(sni)));
    engine.setSSLParameters(p);
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] b = new byte[out.remaining()];
    out.get(b);
    return b;
  }

  /** A minimal ClientHello handshake message (no record header), with or without SNI. */
  static byte[] helloMessage(String sni, boolean withExtensions) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(3);
    body.write(3);
    body.writeBytes(new byte[32]);
    body.write(0); // session id
    body.write(0);
    body.write(2);
    body.write(0x13);
    body.write(0x01); // one cipher suite
    body.write(1);
    body.write(0); // null compression
    if (withExtensions) {
      ByteArrayOutputStream ext = new ByteArrayOutputStream();
      if (sni != null) {
        byte[] name = sni.getBytes(StandardCharsets.US_ASCII);
        int entry = 3 + name.length;
        ext.writeBytes(new byte[] {0, 0, (byte) ((entry + 2) >> 8), (byte) (entry + 2)});
        ext.writeBytes(new byte[] {(byte) (entry >> 8), (byte) entry, 0});
        ext.writeBytes(new byte[] {(byte) (name.length >> 8), (byte) name.length});
        ext.writeBytes(name);
      }
      // an unrelated extension after it (supported_versions)
      ext.writeBytes(new byte[] {0, 0x2b, 0, 3, 2, 3, 4});
      byte[] e = ext.toByteArray();
      body.write(e.length >> 8);
      body.write(e.length);
      body.writeBytes(e);
    }
    byte[] b = body.toByteArray();
    ByteArrayOutputStream msg = new ByteArrayOutputStream();
    msg.write(1);
    msg.write(b.length >> 16);
    msg.write(b.length >> 8);
    msg.write(b.length);
    msg.writeBytes(b);
    return msg.toByteArray();
  }

  /** Wraps handshake bytes in TLS records of at most {@code size} bytes each. */
  static byte[] records(byte[] handshake, int size) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < handshake.length; i += size) {
      int n = Math.min(size, handshake.length - i);
      out.writeBytes(new byte[] {0x16, 3, 1, (byte) (n >> 8), (byte) n});
      out.write(handshake, i, n);
    }
    return out.toByteArray();
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void recognisesTheJdksClientHelloAndItsSni() throws Exception {
    byte[] hello = jdkClientHello("Blocked.Example");
    FirstFlight f = FirstFlight.inspect(hello);
    assertThat(f)
        .isEqualTo(new FirstFlight.ClientHello(Optional.of("blocked.example"), hello.length));
    assertThat(f.replayable()).isTrue();
    assertThat(f.namedHost()).contains("blocked.example");
    assertThat(f.describe()).isEqualTo("ClientHello");
  }

  @Test
  void aClientHelloSplitOverReadsNeedsMoreBytesUntilComplete() throws Exception {
    byte[] hello = jdkClientHello("blocked.example");
    for (int n = 1; n < hello.length; n++) {
      assertThat(FirstFlight.inspect(hello, 0, n))
          .as("prefix of %d bytes", n)
          .isInstanceOf(FirstFlight.NeedMore.class);
    }
    byte[] more = Arrays.copyOf(hello, hello.length + 10);
    assertThat(FirstFlight.inspect(more))
        .as("bytes after the ClientHello do not change it")
        .isEqualTo(new FirstFlight.ClientHello(Optional.of("blocked.example"), hello.length));
  }

  @Test
  void aClientHelloFragmentedOverManyRecordsIsReassembled() {
    byte[] msg = helloMessage("frag.example", true);
    for (int size : new int[] {1, 3, 7, 50}) {
      byte[] recs = records(msg, size);
      FirstFlight f = FirstFlight.inspect(recs);
      assertThat(f)
          .as("records of %d bytes", size)
          .isEqualTo(new FirstFlight.ClientHello(Optional.of("frag.example"), recs.length));
      for (int n = 1; n < recs.length; n += 5) {
        assertThat(FirstFlight.inspect(recs, 0, n)).isInstanceOf(FirstFlight.NeedMore.class);
      }
    }
  }

  @Test
  void aClientHelloWithoutSniOrExtensions() {
    assertThat(FirstFlight.inspect(records(helloMessage(null, true), 1000)))
        .isEqualTo(new FirstFlight.ClientHello(Optional.empty(), 5 + 54));
    FirstFlight bare = FirstFlight.inspect(records(helloMessage(null, false), 1000));
    assertThat(bare).isInstanceOf(FirstFlight.ClientHello.class);
    assertThat(bare.namedHost()).isEmpty();
  }

  @Test
  void honoursTheOffset() throws Exception {
    byte[] hello = jdkClientHello("offset.example");
    byte[] padded = new byte[hello.length + 7];
    System.arraycopy(hello, 0, padded, 7, hello.length);
    assertThat(FirstFlight.inspect(padded, 7, hello.length).namedHost()).contains("offset.example");
  }

  @Test
  void otherTlsRecordsAndHandshakesAreUnknown() {
    assertThat(FirstFlight.inspect(new byte[] {0x17, 3, 3, 0, 1, 0}))
        .isInstanceOf(FirstFlight.Unknown.class);
    byte[] serverHello = records(helloMessage("x.example", true), 1000);
    serverHello[5] = 2;
    assertThat(FirstFlight.inspect(serverHello)).isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(new byte[] {0x16, 3, 3, 0, 0}))
        .as("empty record")
        .isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(new byte[] {0x16, 9, 9, 0, 5}))
        .isInstanceOf(FirstFlight.Unknown.class);
    byte[] huge = {0x16, 3, 1, 0x40, 0, 1, 0x7f, (byte) 0xff, (byte) 0xff};
    assertThat(FirstFlight.inspect(huge))
        .as("a ClientHello claiming 8 MiB")
        .isInstanceOf(FirstFlight.Unknown.class);
  }

  @Test
  void garbageNeverThrows() throws Exception {
    Random random = new Random(42);
    byte[] hello = jdkClientHello("fuzz.example");
    for (int i = 0; i < 20_000; i++) {
      byte[] b;
      if (i % 2 == 0) {
        b = new byte[random.nextInt(300)];
        random.nextBytes(b);
        if (b.length > 0 && i % 4 == 0) {
          b[0] = 0x16;
        }
      } else {
        b = hello.clone();
        for (int k = 0; k < 1 + random.nextInt(4); k++) {
          b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        }
        b = Arrays.copyOf(b, random.nextInt(b.length + 1));
      }
      FirstFlight f = FirstFlight.inspect(b);
      assertThat(f).isNotNull();
    }
    assertThat(FirstFlight.inspect(new byte[0])).isInstanceOf(FirstFlight.NeedMore.class);
    assertThat(FirstFlight.inspect(null, 0, 0)).isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(new byte[3], 2, 5)).isInstanceOf(FirstFlight.Unknown.class);
  }

  @Test
  void recognisesHttpRequestsAndTheirHost() {
    FirstFlight f =
        FirstFlight.inspect(
            ascii("GET /index.html HTTP/1.1\r\nHost: Blocked.Example:8080\r\n\r\n"));
    assertThat(f)
        .isEqualTo(
            new FirstFlight.HttpRequest("GET", "/index.html", Optional.of("blocked.example"), 56));
    assertThat(f.replayable()).isTrue();
    assertThat(f.describe()).isEqualTo("GET request");
    FirstFlight v6 = FirstFlight.inspect(ascii("HEAD / HTTP/1.0\nhost: [2001:db8::1]:80\n\n"));
    assertThat(v6.namedHost()).contains("2001:db8::1");
    FirstFlight absolute =
        FirstFlight.inspect(ascii("OPTIONS http://abs.example:81/x HTTP/1.1\r\n\r\n"));
    assertThat(absolute.namedHost()).contains("abs.example");
    assertThat(absolute.replayable()).isTrue();
    FirstFlight noHost = FirstFlight.inspect(ascii("GET / HTTP/1.0\r\n\r\n"));
    assertThat(noHost.namedHost()).isEmpty();
  }

  @Test
  void onlyIdempotentMethodsAreReplayed() {
    for (String m : new String[] {"GET", "HEAD", "OPTIONS"}) {
      assertThat(FirstFlight.inspect(ascii(m + " / HTTP/1.1\r\nHost: a\r\n\r\n")).replayable())
          .as(m)
          .isTrue();
    }
    for (String m : new String[] {"POST", "PATCH", "PUT", "DELETE", "CONNECT", "PROPFIND"}) {
      FirstFlight f = FirstFlight.inspect(ascii(m + " / HTTP/1.1\r\nHost: a\r\n\r\nbody"));
      assertThat(f).as(m).isInstanceOf(FirstFlight.HttpRequest.class);
      assertThat(f.replayable()).as(m).isFalse();
    }
  }

  @Test
  void aRequestHeadSplitOverReadsNeedsMoreBytes() {
    byte[] req = ascii("GET / HTTP/1.1\r\nHost: split.example\r\nAccept: */*\r\n\r\n");
    for (int n = 1; n < req.length; n++) {
      assertThat(FirstFlight.inspect(req, 0, n))
          .as("prefix %d", n)
          .isInstanceOf(FirstFlight.NeedMore.class);
    }
    assertThat(FirstFlight.inspect(req).namedHost()).contains("split.example");
  }

  @Test
  void otherProtocolsAndOversizedHeadsAreUnknown() {
    assertThat(FirstFlight.inspect(ascii("SSH-2.0-OpenSSH_9.2\r\n")))
        .isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")))
        .isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(ascii("get / HTTP/1.1\r\n\r\n")))
        .isInstanceOf(FirstFlight.Unknown.class);
    assertThat(FirstFlight.inspect(new byte[] {5, 1, 0}))
        .as("a SOCKS5 greeting")
        .isInstanceOf(FirstFlight.Unknown.class);
    byte[] big =
        ascii("GET / HTTP/1.1\r\nX: " + "a".repeat(FirstFlight.MAX_REQUEST_HEAD) + "\r\n\r\n");
    FirstFlight f = FirstFlight.inspect(big);
    assertThat(f).isInstanceOf(FirstFlight.Unknown.class);
    assertThat(f.replayable()).isFalse();
    assertThat(FirstFlight.inspect(ascii("ABCDEFGHIJKLMNOPQRSTUVWXYZ / HTTP/1.1\r\n\r\n")))
        .isInstanceOf(FirstFlight.Unknown.class);
  }
}
