package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Http2RelayTest.Answer;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a fallback web server, a stranger's requests on an HTTP/2 connection get that server's own
 * answers, stream by stream, while a user's tunnels on the same kind of connection still work.
 */
@Timeout(60)
class Http2FallbackTest {

  @TempDir static Path state;
  static TestOrigin site;
  static TestOrigin origin;
  static Relay relay;
  static AccessKey alice;
  static EventLoopGroup group;
  static Channel connection;

  @BeforeAll
  static void start() throws Exception {
    site = TestOrigin.http();
    origin = TestOrigin.http();
    relay = TestRelays.reachingLoopback(state).fallback(site.address()).start();
    alice = relay.addUser("alice");
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    connection = Http2RelayTest.open(group, relay.address());
  }

  @AfterAll
  static void stop() {
    connection.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    relay.close();
    site.close();
    origin.close();
  }

  @Test
  void aStrangersRequestIsAnsweredByTheFallbackServer() throws Exception {
    Answer a =
        Http2RelayTest.exchange(
            connection,
            new DefaultHttp2Headers()
                .method("GET")
                .scheme("https")
                .authority("www.example.com")
                .path("/from-a-stranger?x=1")
                .add("accept", "text/html"),
            null);
    assertThat(a.headers().status().toString()).isEqualTo("200");
    assertThat(a.body()).isEqualTo(TestOrigin.BODY);
    TestOrigin.Request seen = site.lastRequest();
    assertThat(seen.path()).isEqualTo("/from-a-stranger?x=1");
    assertThat(seen.header("Host")).isEqualTo("www.example.com");
    assertThat(seen.header("Accept")).isEqualTo("text/html");
  }

  @Test
  void aWrongTokenGoesToTheFallbackServerTooAndAUsersTunnelStillWorks() throws Exception {
    AccessKey wrong =
        new AccessKey(alice.user(), "wrong-token", alice.relay(), alice.pin(), alice.label());
    Answer refused =
        Http2RelayTest.exchange(
            connection,
            new DefaultHttp2Headers()
                .method("GET")
                .scheme("https")
                .authority("relay.example")
                .path("/dns-query?dns=AAABAAABAAAAAAAAB2V4YW1wbGUDY29tAAABAAE")
                .add("proxy-authorization", RelayClient.basic(wrong)),
            null);
    assertThat(refused.body()).isEqualTo(TestOrigin.BODY);
    assertThat(site.lastRequest().path())
        .as("a DNS query with a wrong token is the fallback server's to answer")
        .startsWith("/dns-query?dns=");
    assertThat(site.lastRequest().header("Proxy-Authorization"))
        .as("this hop's credentials do not reach it")
        .isNull();

    Answer tunnel =
        Http2RelayTest.exchange(
            connection,
            Http2RelayTest.connect("127.0.0.1:" + origin.port(), alice),
            "GET /via-h2 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assertThat(tunnel.headers().status().toString()).isEqualTo("200");
    assertThat(tunnel.body()).endsWith(TestOrigin.BODY);
    assertThat(origin.lastRequest().path()).isEqualTo("/via-h2");
  }
}
