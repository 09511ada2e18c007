package io.sidestep.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relay that is up but slow to answer about a destination (it is still trying to reach it) is not
 * a relay that is down: the client waits for its verdict past the relay connect timeout, and does
 * not fail the relay over or skip it afterwards.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RelaySlowAnswerTest {

  @TempDir Path relayState;

  @Test
  void aSlowVerdictOnTheDestinationDoesNotMarkTheRelayDown() throws Exception {
    try (TestOrigin origin = TestOrigin.http();
        Relay relay =
            Relay.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .stateDir(relayState)
                .allowDestination(Cidr.parse("127.0.0.0/8"))
                .resolver(
                    host ->
                        CompletableFuture.supplyAsync(
                            () -> {
                              // "slow.test" takes longer than the client's relay connect timeout
                              // to fail.
                              try {
                                if (host.equals("slow.test")) {
                                  sleep(4_000);
                                  throw new UnknownHostException(host);
                                }
                                return List.of(InetAddress.getByName(host));
                              } catch (UnknownHostException e) {
                                throw new CompletionException(e);
                              }
                            }))
                .ioThreads(1)
                .start()) {
      AccessKey key = relay.addUser("alice");
      try (Client client =
          Client.builder()
              .http(new InetSocketAddress("127.0.0.1", 0))
              .socks(new InetSocketAddress("127.0.0.1", 0))
              .relays(List.of(key))
              .threads(1)
              .relayConnectTimeout(Duration.ofSeconds(1))
              .router(d -> new Decision(Action.RELAY, "test: everything relayed"))
              .start()) {
        try (Socks5 s = new Socks5(client.socksAddress())) {
          assertThat(s.greet()).isZero();
          assertThat(s.connectName("slow.test", 80))
              .as("the relay's verdict (host unreachable), not 0x01 'no relay could be used'")
              .isEqualTo(4);
        }
        try (Socks5 s = new Socks5(client.socksAddress())) {
          assertThat(s.greet()).isZero();
          assertThat(s.connectAddress(InetAddress.getByName("127.0.0.1"), origin.port()))
              .as("the same relay is still used right afterwards")
              .isZero();
          s.out.write("GET /x HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n".getBytes());
          s.out.flush();
          assertThat(new String(s.in.readAllBytes(), StandardCharsets.UTF_8))
              .contains(TestOrigin.BODY);
        }
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
