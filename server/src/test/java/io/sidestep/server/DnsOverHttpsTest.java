package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.dns.DnsCodec;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.dns.DnsQuery;
import io.sidestep.core.dns.DnsRcode;
import io.sidestep.core.dns.DnsResponse;
import io.sidestep.core.dns.DnsType;
import io.sidestep.core.relay.AccessKey;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay answers authenticated DNS-over-HTTPS (RFC 8484) with its own resolver. */
@Timeout(60)
class DnsOverHttpsTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey alice;

  static CompletableFuture<List<InetAddress>> resolve(String host) {
    try {
      return CompletableFuture.completedFuture(lookUp(host));
    } catch (UnknownHostException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static List<InetAddress> lookUp(String host) throws UnknownHostException {
    return switch (host) {
      case "blocked.example" ->
          List.of(InetAddress.getByName("203.0.113.10"), InetAddress.getByName("2001:db8::10"));
      case "v4only.example" -> List.of(InetAddress.getByName("198.51.100.5"));
      default -> throw new UnknownHostException(host);
    };
  }

  @BeforeAll
  static void start() {
    relay = TestRelays.onLoopback(state).resolver(DnsOverHttpsTest::resolve).start();
    alice = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    relay.close();
  }

  static DnsResponse get(RelayClient c, DnsQuery q) throws Exception {
    RelayClient.Response r =
        c.request(
            "GET "
                + DnsOverHttps.getPath(DnsCodec.encodeQuery(q))
                + " HTTP/1.1\r\nHost: relay\r\nAccept: application/dns-message\r\n"
                + "Proxy-Authorization: "
                + RelayClient.basic(alice)
                + "\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo(DnsOverHttps.MEDIA_TYPE);
    return DnsCodec.decodeResponse(r.body());
  }

  @Test
  void getAnswersAAndAaaaOnOneKeptAliveConnection() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      DnsResponse a = get(c, new DnsQuery(0, "blocked.example", DnsType.A));
      assertThat(a.rcode()).isEqualTo(DnsRcode.NOERROR);
      assertThat(a.addresses())
          .extracting(InetAddress::getHostAddress)
          .containsExactly("203.0.113.10");
      DnsResponse aaaa = get(c, new DnsQuery(0, "blocked.example", DnsType.AAAA));
      assertThat(aaaa.addresses()).containsExactly(InetAddress.getByName("2001:db8::10"));
      DnsResponse none = get(c, new DnsQuery(0, "v4only.example", DnsType.AAAA));
      assertThat(none.rcode()).isEqualTo(DnsRcode.NOERROR);
      assertThat(none.answers()).isEmpty();
      DnsResponse nx = get(c, new DnsQuery(0x77, "nowhere.example", DnsType.A));
      assertThat(nx.rcode()).isEqualTo(DnsRcode.NXDOMAIN);
      assertThat(nx.id()).isEqualTo(0x77);
      DnsResponse mx = get(c, new DnsQuery(0, "blocked.example", 15));
      assertThat(mx.rcode()).isEqualTo(DnsRcode.NOTIMP);
    }
  }

  @Test
  void postAnswersToo() throws Exception {
    byte[] q = DnsCodec.encodeQuery(new DnsQuery(42, "blocked.example", DnsType.A));
    try (RelayClient c = RelayClient.connect(relay.address())) {
      c.write(
          "POST /dns-query HTTP/1.1\r\nHost: relay\r\nContent-Type: application/dns-message\r\n"
              + "Content-Length: "
              + q.length
              + "\r\nProxy-Authorization: "
              + RelayClient.basic(alice)
              + "\r\n\r\n");
      c.write(q);
      RelayClient.Response r = c.readResponse();
      assertThat(r.status()).isEqualTo(200);
      DnsResponse resp = DnsCodec.decodeResponse(r.body());
      assertThat(resp.id()).isEqualTo(42);
      assertThat(resp.addresses()).containsExactly(InetAddress.getByName("203.0.113.10"));
    }
  }

  @Test
  void malformedQueriesGet400ForUsers() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request(
              "GET /dns-query?dns=AAAA HTTP/1.1\r\nHost: r\r\nProxy-Authorization: "
                  + RelayClient.basic(alice)
                  + "\r\n\r\n");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.bodyText()).contains("12-byte header");
    }
  }

  @Test
  void strangersGetTheDecoys404() throws Exception {
    byte[] q = DnsCodec.encodeQuery(new DnsQuery(0, "blocked.example", DnsType.A));
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request("GET " + DnsOverHttps.getPath(q) + " HTTP/1.1\r\nHost: relay\r\n\r\n");
      assertThat(r.status()).isEqualTo(404);
      assertThat(r.bodyText()).contains("404 Not Found").doesNotContain("dns");
      RelayClient.Response wrong =
          c.request(
              "POST /dns-query HTTP/1.1\r\nHost: relay\r\nContent-Type: application/dns-message\r\n"
                  + "Proxy-Authorization: "
                  + RelayClient.basic("alice", "wrong")
                  + "\r\nContent-Length: "
                  + q.length
                  + "\r\n\r\n"
                  + new String(q, StandardCharsets.ISO_8859_1));
      assertThat(wrong.status()).isEqualTo(405);
    }
  }
}
