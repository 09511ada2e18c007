package io.sidestep.client.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.TlsEngines;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The ClientHello the client sends a pinned relay with {@code sidestep.tls.engine=chrome}, as a
 * plain TCP server on loopback reads it: Chrome's JA4, GREASE where Chrome puts it, and a fresh
 * extension order on every connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChromeHelloTest {

  static EventLoopGroup group;

  @BeforeAll
  static void start() {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
  }

  @Test
  void helloHasChromesJa4AndGrease() throws Exception {
    Hello hello = captureHello("relay.example");

    String ja4 = hello.ja4();
    assertThat(ja4.substring(0, ja4.lastIndexOf('_')))
        .as("JA4 %s", ja4)
        .isEqualTo("t13d1516h2_8daaf6152771");
    assertThat(ja4)
        .as("Chrome's full JA4, extensions and signature algorithms included")
        .isEqualTo("t13d1516h2_8daaf6152771_d8a2da3f94cd");
    assertThat(Hello.isGrease(hello.ciphers.get(0))).as("GREASE cipher first").isTrue();
    List<Integer> types = new ArrayList<>(hello.extensions.keySet());
    assertThat(Hello.isGrease(types.get(0))).as("GREASE extension first").isTrue();
    assertThat(hello.extensions.get(types.get(0))).isEmpty();
    assertThat(Hello.isGrease(types.get(types.size() - 1))).as("GREASE extension last").isTrue();
    assertThat(hello.extensions.get(types.get(types.size() - 1))).containsExactly(0);
    assertThat(types.get(0)).isNotEqualTo(types.get(types.size() - 1));

    List<Integer> groups = u16s(hello.extensions.get(0x000a), 2);
    assertThat(Hello.isGrease(groups.get(0))).as("GREASE group first").isTrue();
    assertThat(groups.subList(1, groups.size())).containsExactly(0x11ec, 0x001d, 0x0017, 0x0018);

    List<Integer> versions = u16s(hello.extensions.get(0x002b), 1);
    assertThat(Hello.isGrease(versions.get(0))).as("GREASE version first").isTrue();
    assertThat(versions.subList(1, versions.size())).containsExactly(0x0304, 0x0303);

    assertThat(keyShareGroups(hello.extensions.get(0x0033)))
        .as("key shares: GREASE (same as the group's), X25519MLKEM768, X25519")
        .containsExactly(groups.get(0), 0x11ec, 0x001d);
    assertThat(hello.alpn()).containsExactly("h2", "http/1.1");
    assertThat(hello.ciphers).doesNotContain(0x00ff); // no renegotiation SCSV
    assertThat(hello.extensions).doesNotContainKey(0x0016); // no encrypt_then_mac
  }

  @Test
  void everyConnectionHasItsOwnExtensionOrder() throws Exception {
    List<Integer> first = nonGrease(captureHello("relay.example"));
    List<Integer> second = nonGrease(captureHello("relay.example"));
    List<Integer> third = nonGrease(captureHello("relay.example"));
    assertThat(second).containsExactlyInAnyOrderElementsOf(first);
    // Two of 16! orders agree by chance with odds far below anything a test run will see; three
    // connections make a fluke even less likely.
    assertThat(List.of(second, third)).as("orders after %s", first).anyMatch(o -> !o.equals(first));
  }

  @Test
  void anIpLiteralGetsNoServerName() throws Exception {
    Hello hello = captureHello("127.0.0.1");
    assertThat(hello.extensions).doesNotContainKey(0x0000);
    assertThat(hello.ja4()).startsWith("t13i1515h2_8daaf6152771_");
  }

  private static List<Integer> nonGrease(Hello hello) {
    return hello.extensions.keySet().stream().filter(t -> !Hello.isGrease(t)).toList();
  }

  /** Sends a hello through {@link RelayTls} to a plain TCP server and returns what it read. */
  private static Hello captureHello(String relayHost) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      CompletableFuture<byte[]> record = new CompletableFuture<>();
      Thread reader =
          new Thread(
              () -> {
                try (Socket s = server.accept()) {
                  DataInputStream in = new DataInputStream(s.getInputStream());
                  byte[] header = new byte[5];
                  in.readFully(header);
                  byte[] body = new byte[((header[3] & 0xff) << 8) | (header[4] & 0xff)];
                  in.readFully(body);
                  assertThat(header[0]).as("a handshake record").isEqualTo((byte) 22);
                  record.complete(body);
                } catch (IOException | AssertionError e) {
                  record.completeExceptionally(e);
                }
              });
      reader.start();
      AccessKey key =
          new AccessKey(
              "alice",
              "token",
              Destination.of(relayHost, server.getLocalPort()),
              Optional.of("sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="),
              "test");
      RelayTls tls = withChrome(() -> RelayTls.of(key));
      CompletableFuture<Object> handshake = new CompletableFuture<>();
      Channel ch =
          withChrome(
              () ->
                  new Bootstrap()
                      .group(group)
                      .channel(NioSocketChannel.class)
                      .handler(
                          new ChannelInitializer<Channel>() {
                            @Override
                            protected void initChannel(Channel c) {
                              c.pipeline()
                                  .addLast(tls.newHandler(c, Duration.ofSeconds(10)))
                                  .addLast(
                                      new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void userEventTriggered(
                                            ChannelHandlerContext ctx, Object evt) {
                                          handshake.complete(evt);
                                        }
                                      });
                            }
                          })
                      .connect(new InetSocketAddress("127.0.0.1", server.getLocalPort()))
                      .sync()
                      .channel());
      byte[] body = record.get(10, TimeUnit.SECONDS);
      ch.close().sync();
      Object evt = handshake.get(10, TimeUnit.SECONDS);
      assertThat(evt).isInstanceOf(SslHandshakeCompletionEvent.class);
      assertThat(((SslHandshakeCompletionEvent) evt).isSuccess()).isFalse();
      return Hello.parse(body);
    }
  }

  interface Call<T> {
    T call() throws Exception;
  }

  static <T> T withChrome(Call<T> call) throws Exception {
    String before = System.getProperty(TlsEngines.PROPERTY);
    System.setProperty(TlsEngines.PROPERTY, "chrome");
    try {
      return call.call();
    } finally {
      if (before == null) {
        System.clearProperty(TlsEngines.PROPERTY);
      } else {
        System.setProperty(TlsEngines.PROPERTY, before);
      }
    }
  }

  private static List<Integer> u16s(byte[] data, int lengthBytes) {
    List<Integer> out = new ArrayList<>();
    for (int i = lengthBytes; i + 1 < data.length; i += 2) {
      out.add(((data[i] & 0xff) << 8) | (data[i + 1] & 0xff));
    }
    return out;
  }

  private static List<Integer> keyShareGroups(byte[] data) {
    List<Integer> out = new ArrayList<>();
    ByteBuffer b = ByteBuffer.wrap(data, 2, data.length - 2);
    while (b.hasRemaining()) {
      out.add(b.getShort() & 0xffff);
      int len = b.getShort() & 0xffff;
      b.position(b.position() + len);
    }
    return out;
  }

  /** A parsed ClientHello handshake message and its JA4 (FoxIO's JA4 spec, TLS over TCP). */
  record Hello(List<Integer> ciphers, Map<Integer, byte[]> extensions) {

    static Hello parse(byte[] handshake) {
      ByteBuffer b = ByteBuffer.wrap(handshake);
      assertThat(b.get()).as("client_hello").isEqualTo((byte) 1);
      b.position(b.position() + 3 + 2 + 32); // length, legacy version, random
      int sessionId = b.get() & 0xff;
      b.position(b.position() + sessionId);
      List<Integer> ciphers = new ArrayList<>();
      for (int n = (b.getShort() & 0xffff) / 2; n > 0; n--) {
        ciphers.add(b.getShort() & 0xffff);
      }
      int compressionMethods = b.get() & 0xff;
      b.position(b.position() + compressionMethods);
      int end = b.position() + 2 + (b.getShort() & 0xffff);
      Map<Integer, byte[]> extensions = new LinkedHashMap<>();
      while (b.position() < end) {
        int type = b.getShort() & 0xffff;
        byte[] data = new byte[b.getShort() & 0xffff];
        b.get(data);
        assertThat(extensions.put(type, data)).as("extension %04x twice", type).isNull();
      }
      return new Hello(ciphers, extensions);
    }

    static boolean isGrease(int v) {
      return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
    }

    List<String> alpn() {
      byte[] d = extensions.get(0x0010);
      List<String> out = new ArrayList<>();
      if (d == null) {
        return out;
      }
      for (int i = 2; i < d.length; i += 1 + (d[i] & 0xff)) {
        out.add(new String(d, i + 1, d[i] & 0xff, StandardCharsets.US_ASCII));
      }
      return out;
    }

    String ja4() throws NoSuchAlgorithmException {
      List<Integer> versions = u16s(extensions.getOrDefault(0x002b, new byte[1]), 1);
      int version = versions.stream().filter(v -> !isGrease(v)).max(Integer::compare).orElse(0);
      String v =
          switch (version) {
            case 0x0304 -> "13";
            case 0x0303 -> "12";
            default -> "00";
          };
      List<Integer> cs = ciphers.stream().filter(c -> !isGrease(c)).toList();
      List<Integer> ext = extensions.keySet().stream().filter(e -> !isGrease(e)).toList();
      List<String> alpn = alpn();
      String a =
          alpn.isEmpty()
              ? "00"
              : alpn.get(0).charAt(0) + "" + alpn.get(0).charAt(alpn.get(0).length() - 1);
      String first =
          "t"
              + v
              + (extensions.containsKey(0x0000) ? "d" : "i")
              + String.format("%02d%02d", Math.min(cs.size(), 99), Math.min(ext.size(), 99))
              + a;
      String second = hash(sortedHex(cs));
      List<Integer> hashed = ext.stream().filter(e -> e != 0x0000 && e != 0x0010).toList();
      String sigAlgs =
          u16s(extensions.getOrDefault(0x000d, new byte[2]), 2).stream()
              .map(x -> String.format("%04x", x))
              .collect(Collectors.joining(","));
      String third = hash(sortedHex(hashed) + (sigAlgs.isEmpty() ? "" : "_" + sigAlgs));
      return first + "_" + second + "_" + third;
    }

    private static String sortedHex(List<Integer> values) {
      return values.stream()
          .map(x -> String.format("%04x", x))
          .sorted()
          .collect(Collectors.joining(","));
    }

    private static String hash(String s) throws NoSuchAlgorithmException {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d).substring(0, 12);
    }
  }
}
