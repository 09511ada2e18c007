package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.client.Client;
import io.sidestep.client.dial.internal.DnsServerResolver;
import io.sidestep.core.detect.BlockFingerprints;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.detect.Technique;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.testing.CensorBox;
import io.sidestep.core.testing.FakeDnsServer;
import io.sidestep.core.testing.TestOrigin;
import io.sidestep.server.Relay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block page matched by a fingerprint from a file in OONI's format is a block page without the
 * relay: here the relay is gone altogether, and the host is learned all the same.
 */
@Timeout(60)
class FingerprintIntegrationTest {

  @TempDir Path tmp;

  /** Our own sample, in OONI's columns: the censor box's page, by its title. */
  static final String FINGERPRINTS =
      "name,scope,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,"
          + "source,exp_url,notes\n"
          + "loopback_censor,isp,body,contains,<title>Access restricted</title>,9,ZZ,"
          + "sidestep tests,,the CensorBox page\n"
          + "loopback_dns,isp,dns,full,127.0.0.2,9,ZZ,sidestep tests,,not an HTTP row\n";

  @Test
  void aFingerprintedBlockPageIsLearnedWithTheRelayUnreachable() throws Exception {
    Path file = tmp.resolve("fingerprints.csv");
    Files.writeString(file, FINGERPRINTS);
    try (TestOrigin http = TestOrigin.http();
        CensorBox censor =
            CensorBox.start(new InetSocketAddress("127.0.0.2", http.port()), http.address())
                .block("fp.example", CensorBox.Action.BLOCK_PAGE);
        FakeDnsServer dns = FakeDnsServer.start()) {
      dns.answer("fp.example", "127.0.0.2");
      AccessKey key;
      try (Relay gone =
          Relay.builder()
              .listen(new InetSocketAddress("127.0.0.1", 0))
              .stateDir(tmp.resolve("relay"))
              .allowDestination(Cidr.parse("127.0.0.1/32"))
              .resolver(
                  host ->
                      java.util.concurrent.CompletableFuture.completedFuture(
                          List.of(InetAddress.getLoopbackAddress())))
              .start()) {
        key = gone.addUser("alice");
      }
      Path state = tmp.resolve("state");
      try (Client client =
          Client.builder()
              .http(new InetSocketAddress("127.0.0.1", 0))
              .socks(new InetSocketAddress("127.0.0.1", 0))
              .relay(key)
              .resolver(new DnsServerResolver(new InetSocketAddress("127.0.0.1", dns.port())))
              .stateDir(state)
              .detection(
                  CensoredLoopback.settings()
                      .withFingerprints(BlockFingerprints.load(List.of(file))))
              .start()) {
        String response = DetectionIntegrationTest.socksGet(client, "fp.example", http.port(), "/");
        assertThat(response)
            .as("with no relay to serve it, the user sees the page as it came")
            .contains("Access restricted");
        LearnedStore.Entry e =
            awaitLearned(new LearnedStore(state, Clock.systemUTC()), "fp.example");
        assertThat(e.technique()).isEqualTo(Technique.HTTP_BLOCKPAGE);
        assertThat(e.evidence().text()).contains("fingerprint 'loopback_censor'");
        assertThat(http.requests()).as("the origin was never reached").isEmpty();
      }
    }
  }

  /** The learned file is written by a background writer, moments after the page went out. */
  private static LearnedStore.Entry awaitLearned(LearnedStore store, String host)
      throws InterruptedException {
    for (int i = 0; i < 400; i++) {
      var e = store.find(host);
      if (e.isPresent()) {
        return e.get();
      }
      Thread.sleep(25);
    }
    throw new AssertionError(host + " was not learned within 10 s");
  }
}
