package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.dns.DnsOverHttps;
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
      case "internal.example" -> List.of(InetAddress.getByName("10.1.2.3"));
      case "mixed.example" ->
          List.of(
              InetAddress.getByName("127.0.0.1"),
              InetAddress.getByName("203.0.113.20"),
              InetAddress.getByName("::127.0.0.1"),
              InetAddress.getByName("2002:7f00:1::"),
              InetAddress.getByName("2001:db8::20"));
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

  /** Asks with a GET; the answer must echo {@code id}. */
  static DnsAnswer get(RelayClient c, int id, String name, DnsRecordType type) throws Exception {
    RelayClient.Response r =
        c.request(
            "GET "
                + DnsOverHttps.getPath(DnsMessages.query(id, name, type))
                + " HTTP/1.1\r\nHost: relay\r\nAccept: application/dns-message\r\n"
                + "Proxy-Authorization: "
                + RelayClient.basic(alice)
                + "\r\n\r\n");
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.header("Content-Type")).isEqualTo(DnsOverHttps.MEDIA_TYPE);
    return DnsMessages.readAnswer(r.body(), id);
  }

  @Test
  void getAnswersAAndAaaaOnOneKeptAliveConnection() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      DnsAnswer a = get(c, 0, "blocked.example", DnsRecordType.A);
      assertThat(a.rcode()).isEqualTo(DnsResponseCode.NOERROR);
      assertThat(a.addresses())
          .extracting(InetAddress::getHostAddress)
          .containsExactly("203.0.113.10");
      DnsAnswer aaaa = get(c, 0, "blocked.example", DnsRecordType.AAAA);
      assertThat(aaaa.addresses()).containsExactly(InetAddress.getByName("2001:db8::10"));
      DnsAnswer none = get(c, 0, "v4only.example", DnsRecordType.AAAA);
      assertThat(none.rcode()).isEqualTo(DnsResponseCode.NOERROR);
      assertThat(none.addresses()).isEmpty();
      DnsAnswer nx = get(c, 0x77, "nowhere.example", DnsRecordType.A);
      assertThat(nx.rcode()).isEqualTo(DnsResponseCode.NXDOMAIN);
      // get() read it as the answer to id 0x77: the id is echoed
      DnsAnswer mx = get(c, 0, "blocked.example", DnsRecordType.MX);
      assertThat(mx.rcode()).isEqualTo(DnsResponseCode.NOTIMP);
    }
  }

  @Test
  void addressesTheRelayWouldRefuseAreLeftOut() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      DnsAnswer internal = get(c, 0, "internal.example", DnsRecordType.A);
      assertThat(internal.rcode())
          .as("a name left with no address is answered as one without records: no data")
          .isEqualTo(DnsResponseCode.NOERROR);
      assertThat(internal.addresses()).as("10.1.2.3 stays the relay's secret").isEmpty();
      assertThat(get(c, 0, "mixed.example", DnsRecordType.A).addresses())
          .containsExactly(InetAddress.getByName("203.0.113.20"));
      assertThat(get(c, 0, "mixed.example", DnsRecordType.AAAA).addresses())
          .containsExactly(InetAddress.getByName("2001:db8::20"));
    }
  }

  @Test
  void allowDestinationAlsoLetsDohAnswer(@TempDir Path dir) throws Exception {
    try (Relay lenient =
        TestRelays.onLoopback(dir)
            .resolver(DnsOverHttpsTest::resolve)
            .allowDestination(io.sidestep.core.net.Cidr.parse("10.0.0.0/8"))
            .start()) {
      AccessKey bob = lenient.addUser("bob");
      try (RelayClient c = RelayClient.connect(lenient.address())) {
        RelayClient.Response r =
            c.request(
                "GET "
                    + DnsOverHttps.getPath(
                        DnsMessages.query(0, "internal.example", DnsRecordType.A))
                    + " HTTP/1.1\r\nHost: relay\r\nProxy-Authorization: "
                    + RelayClient.basic(bob)
                    + "\r\n\r\n");
        assertThat(DnsMessages.readAnswer(r.body(), 0).addresses())
            .containsExactly(InetAddress.getByName("10.1.2.3"));
      }
    }
  }

  @Test
  void postAnswersToo() throws Exception {
    byte[] q = DnsMessages.query(42, "blocked.example", DnsRecordType.A);
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
      DnsAnswer resp = DnsMessages.readAnswer(r.body(), 42);
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
    byte[] q = DnsMessages.query(0, "blocked.example", DnsRecordType.A);
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
