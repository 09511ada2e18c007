package io.sidestep.client;

import io.sidestep.core.detect.Evidence;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.network.Network;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A client as the command line runs it (a state folder with learned entries, a rules file, one real
 * relay on loopback), an origin it reaches direct, and raw HTTP to its door for the dashboard.
 */
final class DashboardFixture implements AutoCloseable {

  /** The network the client is on: a fake, so that the views show the same one everywhere. */
  static final Network.Facts HOME_FACTS =
      new Network.Facts(
          Optional.of("192.0.2.1"), Optional.of("02:00:00:00:00:01"), List.of("192.0.2.53"));

  static final Network HOME = Network.of(HOME_FACTS).orElseThrow();
  static final Network OFFICE = new Network("0ff1ce000001", "gateway 198.51.100.1 (office)");

  static final String RULES =
      "# my rules\nDOMAIN,localhost,DIRECT\nDOMAIN-SUFFIX,blocked.example,RELAY\n";

  final Path state;
  final Path rulesFile;
  final TestOrigin origin;
  final Relay relay;
  final AccessKey key;
  final Client client;

  DashboardFixture(Path dir) throws IOException {
    state = Files.createDirectories(dir.resolve("state"));
    rulesFile = dir.resolve("rules.txt");
    Files.writeString(rulesFile, RULES);
    LearnedStore store = new LearnedStore(state, Clock.systemUTC());
    store.learn(
        "rutracker.org",
        new Evidence(Technique.TLS_SILENCE, "no byte 3000 ms after ClientHello", Instant.now()));
    store.learn(
        "linkedin.com",
        new Evidence(Technique.TLS_RESET, "reset after ClientHello, 0 bytes read", Instant.now()));
    store.learn(
        "home.example",
        new Evidence(Technique.TLS_RESET, "reset after ClientHello, 0 bytes read", Instant.now()),
        Optional.of(HOME));
    store.learn(
        "office.example",
        new Evidence(Technique.TLS_RESET, "reset after ClientHello, 0 bytes read", Instant.now()),
        Optional.of(OFFICE));
    origin = TestOrigin.http();
    relay =
        Relay.builder()
            .listen(new InetSocketAddress("127.0.0.1", 0))
            .stateDir(Files.createDirectories(dir.resolve("relay")))
            .allowDestination(Cidr.parse("127.0.0.0/8"))
            .resolver(
                host -> {
                  if (host.equals("localhost")) {
                    return java.util.concurrent.CompletableFuture.completedFuture(
                        List.of(io.sidestep.core.net.IpLiterals.parse("127.0.0.1")));
                  }
                  return java.util.concurrent.CompletableFuture.failedFuture(
                      new UnknownHostException(host));
                })
            .ioThreads(1)
            .start();
    key = relay.addUser("alice");
    client =
        Client.builder()
            .http(new InetSocketAddress("127.0.0.1", 0))
            .socks(new InetSocketAddress("127.0.0.1", 0))
            .relay(key)
            // PINGs soon after a quiet spell, so that the relay's round trip is known quickly.
            .relayLink(
                new io.sidestep.client.relay.RelayTransport.Link(
                    java.time.Duration.ofMillis(200), java.time.Duration.ofMinutes(10)))
            .resolver(new FakeResolver().answer("localhost", "127.0.0.1"))
            .stateDir(state)
            .networkSource(() -> HOME_FACTS)
            .rulesFile(rulesFile)
            .threads(2)
            .start();
  }

  int port() {
    return client.httpAddress().getPort();
  }

  /** The dashboard's address as a user's browser has it. */
  String base() {
    return "http://localhost:" + port();
  }

  /** One connection through the SOCKS door to the origin, ended; its session then ends too. */
  void connectThroughSocks() throws IOException {
    try (Socks5 s = new Socks5(client.socksAddress())) {
      s.greet();
      if (s.connectName("localhost", origin.port()) != 0) {
        throw new IOException("SOCKS5 CONNECT to the origin failed");
      }
      s.out.write(
          ("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      s.out.flush();
      s.in.readAllBytes();
    }
  }

  /** A raw HTTP/1.1 exchange with the door; the answer as text, head and body. */
  String raw(String method, String target, String... headers) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port())) {
      socket.setSoTimeout(10_000);
      StringBuilder b = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      for (String h : headers) {
        b.append(h).append("\r\n");
      }
      b.append("Connection: close\r\nContent-Length: 0\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(b.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      in.transferTo(got);
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    client.close();
    relay.close();
    origin.close();
  }
}
