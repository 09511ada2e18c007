package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.core.dns.DnsOverHttps;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The relay's pure pieces, without sockets. */
class InternalsTest {

  static String basic(String s) {
    return "Basic " + Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void authenticatorAcceptsOnlyTheRightNameAndToken() {
    Authenticator a = new Authenticator();
    a.replace(
        Map.of("alice", new UsersFile.Entry("alice", UsersFile.hash("tok:en"), Instant.EPOCH)));
    assertThat(a.authenticate(basic("alice:tok:en"))).as("tokens may hold ':'").isEqualTo("alice");
    assertThat(a.authenticate("basic " + basic("alice:tok:en").substring(6))).isEqualTo("alice");
    for (String bad :
        new String[] {
          null,
          "",
          "Basic",
          "Basic ",
          basic("alice:tok"),
          basic("alice:"),
          basic(":tok:en"),
          basic("bob:tok:en"),
          basic("alice"),
          "Basic ???",
          "Bearer x",
          basic("alice:tok:en") + "x"
        }) {
      assertThat(a.authenticate(bad)).as(String.valueOf(bad)).isNull();
    }
    a.replace(Map.of());
    assertThat(a.authenticate(basic("alice:tok:en"))).as("removed users are strangers").isNull();
  }

  @Test
  void aHeaderCheckedBeforeCountsOnlyWhileItsUserIsUnchanged() {
    Authenticator a = new Authenticator();
    a.replace(Map.of("alice", new UsersFile.Entry("alice", UsersFile.hash("old"), Instant.EPOCH)));
    for (int i = 0; i < 3; i++) {
      assertThat(a.authenticate(basic("alice:old"))).as("try " + i).isEqualTo("alice");
    }
    a.replace(Map.of("alice", new UsersFile.Entry("alice", UsersFile.hash("new"), Instant.EPOCH)));
    assertThat(a.authenticate(basic("alice:old"))).as("a changed token").isNull();
    assertThat(a.authenticate(basic("alice:new"))).isEqualTo("alice");
    assertThat(a.authenticate(basic("alice:new"))).isEqualTo("alice");
    a.replace(Map.of("bob", new UsersFile.Entry("bob", UsersFile.hash("new"), Instant.EPOCH)));
    assertThat(a.authenticate(basic("alice:new"))).as("alice removed").isNull();
    for (int i = 0; i < 3; i++) {
      assertThat(a.authenticate(basic("bob:new"))).isEqualTo("bob");
      assertThat(a.authenticate(basic("bob:newx"))).as("a wrong token, again").isNull();
    }
  }

  @Test
  void usersFileRoundTripsAndReportsBadLinesWithoutEchoingThem(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("users");
    UsersFile.write(
        f,
        List.of(
            new UsersFile.Entry("a", UsersFile.hash("1"), Instant.parse("2024-01-01T00:00:00Z")),
            new UsersFile.Entry(
                "b.c-d_e", UsersFile.hash("2"), Instant.parse("2024-01-02T00:00:00Z"))));
    assertThat(UsersFile.read(f)).containsOnlyKeys("a", "b.c-d_e");
    assertThat(UsersFile.read(dir.resolve("missing"))).isEmpty();
    Files.writeString(f, "# comment\n\nalice my-secret-token-pasted-here 2024\n");
    assertThatThrownBy(() -> UsersFile.read(f))
        .hasMessageStartingWith(f + ":3: ")
        .hasMessageContaining("expected: NAME sha256:")
        .hasMessageNotContaining("my-secret-token");
    String h = "sha256:" + "0".repeat(64) + " 2024-01-01T00:00:00Z";
    Files.writeString(f, "x " + h + "\nx " + h + "\n");
    assertThatThrownBy(() -> UsersFile.read(f)).hasMessageContaining(":2: user 'x' appears twice");
  }

  @Test
  void decoyPathsAreNormalisedAndTraversalRefused() {
    assertThat(DecoySite.pathOf("/")).isEqualTo("/");
    assertThat(DecoySite.pathOf("/a/./b/../c?q=1#f")).isEqualTo("/a/c");
    assertThat(DecoySite.pathOf("http://host.example/x/y")).isEqualTo("/x/y");
    assertThat(DecoySite.pathOf("http://host.example")).isEqualTo("/");
    assertThat(DecoySite.pathOf("/%41%42")).isEqualTo("/AB");
    assertThat(DecoySite.pathOf("/a+b")).isEqualTo("/a+b");
    assertThat(DecoySite.pathOf("/.git/config")).isNull();
    assertThat(DecoySite.pathOf("/a%00b")).isNull();
    assertThat(DecoySite.pathOf("/a%5cb")).isNull();
    assertThat(DecoySite.pathOf("*")).isNull();
    assertThat(DecoySite.pathOf("/%zz")).isNull();
    assertThat(DecoySite.refusedPath("/../etc/passwd")).isTrue();
    assertThat(DecoySite.refusedPath("/a/%2e%2e/%2E%2E/x")).isTrue();
    assertThat(DecoySite.refusedPath("/a/../x")).isFalse();
    assertThat(new DecoySite(null).page("/").status().code()).isEqualTo(200);
    assertThat(new DecoySite(null).page("/index.html").status().code()).isEqualTo(200);
    assertThat(new DecoySite(null).page("/wp-admin").status().code()).isEqualTo(404);
    assertThatThrownBy(() -> new DecoySite(Path.of("/no/such/dir")))
        .hasMessageContaining("decoy directory: /no/such/dir");
  }

  @Test
  void aDecoyFileCutShortWhileSentIsAnErrorNotAnEndlessStream(@TempDir Path dir) throws Exception {
    Path f = Files.write(dir.resolve("cut.bin"), new byte[100]);
    DecoySite.FileBody body = new DecoySite.FileBody(java.nio.channels.FileChannel.open(f), 0, 200);
    try {
      io.netty.buffer.ByteBuf first = body.readChunk(io.netty.buffer.ByteBufAllocator.DEFAULT);
      assertThat(first.readableBytes()).isEqualTo(100);
      first.release();
      assertThatThrownBy(() -> body.readChunk(io.netty.buffer.ByteBufAllocator.DEFAULT))
          .hasMessageContaining("shorter");
    } finally {
      body.close();
    }
  }

  @Test
  void dohResponderAnswersFromTheResolver() throws Exception {
    List<InetAddress> a =
        List.of(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("2001:db8::1"));
    DohResponder doh =
        new DohResponder(
            host -> {
              if (host.equals("a.example")) {
                return java.util.concurrent.CompletableFuture.completedFuture(a);
              }
              return java.util.concurrent.CompletableFuture.failedFuture(
                  new java.net.UnknownHostException(host));
            },
            new DestinationPolicy(List.of()));
    assertThat(doh.resolve("a.example", DnsRecordType.A).addresses())
        .containsExactly(InetAddress.getByName("192.0.2.1"));
    assertThat(doh.resolve("a.example", DnsRecordType.AAAA).addresses())
        .containsExactly(InetAddress.getByName("2001:db8::1"));
    assertThat(doh.resolve("b.example", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.NXDOMAIN);
    assertThat(doh.resolve("1.2.3.4", DnsRecordType.A).rcode())
        .as("an address is not a name")
        .isEqualTo(DnsResponseCode.NXDOMAIN);
    assertThat(doh.resolve("a.example", DnsRecordType.TXT).rcode())
        .isEqualTo(DnsResponseCode.NOTIMP);
    DohResponder broken =
        new DohResponder(
            host -> {
              throw new IllegalStateException("resolver down");
            },
            new DestinationPolicy(List.of()));
    assertThat(broken.resolve("a.example", DnsRecordType.A).rcode())
        .isEqualTo(DnsResponseCode.SERVFAIL);
  }

  @Test
  void hopByHopHeadersAndProxyHeadersAreStripped() {
    io.netty.handler.codec.http.HttpHeaders h =
        new io.netty.handler.codec.http.DefaultHttpHeaders();
    h.add("Connection", "keep-alive, X-Private")
        .add("X-Private", "1")
        .add("Keep-Alive", "timeout=5")
        .add("Proxy-Authorization", "Basic x")
        .add("proxy-connection", "keep-alive")
        .add("Proxy-Foo", "bar")
        .add("TE", "trailers")
        .add("Upgrade", "websocket")
        .add("Transfer-Encoding", "chunked")
        .add("Accept", "*/*");
    ForwardRoute.stripHopByHop(h);
    assertThat(h.names()).containsExactlyInAnyOrder("Transfer-Encoding", "Accept");
  }

  @Test
  void requestBodyKeepsWithinItsLimits() {
    RequestBody b = new RequestBody();
    b.reset(true);
    assertThat(b.add(Unpooled.wrappedBuffer(new byte[] {1, 2}), false))
        .isEqualTo(RequestBody.Verdict.MORE);
    assertThat(b.add(Unpooled.wrappedBuffer(new byte[] {3}), true))
        .isEqualTo(RequestBody.Verdict.DONE);
    assertThat(b.collected()).containsExactly(1, 2, 3);
    b.reset(true);
    assertThat(b.collected()).as("a new body starts empty").isEmpty();
    assertThat(b.add(Unpooled.wrappedBuffer(new byte[DnsOverHttps.MAX_MESSAGE + 1]), true))
        .as("a DNS message cannot be longer")
        .isEqualTo(RequestBody.Verdict.TOO_LARGE);
    b.reset(false);
    assertThat(b.add(Unpooled.wrappedBuffer(new byte[RequestBody.MAX_DISCARD]), false))
        .isEqualTo(RequestBody.Verdict.MORE);
    assertThat(b.collected()).as("a discarded body is not kept").isEmpty();
    assertThat(b.add(Unpooled.wrappedBuffer(new byte[1]), true))
        .as("one byte over the discard limit, even at the end")
        .isEqualTo(RequestBody.Verdict.TOO_LARGE);
  }

  @Test
  void connectionRecordKeepsLogLinesOnOneLine() {
    assertThat(ConnectionRecord.clean("a\r\nb\u0000c")).isEqualTo("a\\r\\nb\\u0000c");
  }
}
