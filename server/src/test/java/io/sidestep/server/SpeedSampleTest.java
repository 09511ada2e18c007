package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.sidestep.core.relay.AccessKey;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay's speed sample: a user's {@code CONNECT speed-sample.invalid:K} gets K KiB of random
 * bytes and the close; a stranger's gets what any stranger's CONNECT gets.
 */
@Timeout(60)
class SpeedSampleTest {

  @TempDir static Path state;
  static Relay relay;
  static AccessKey alice;

  @BeforeAll
  static void start() {
    relay = TestRelays.reachingLoopback(state).start();
    alice = relay.addUser("alice");
  }

  @AfterAll
  static void stop() {
    relay.close();
  }

  static String connect(String target, String auth) {
    return "CONNECT "
        + target
        + " HTTP/1.1\r\nHost: "
        + target
        + "\r\n"
        + (auth == null ? "" : "Proxy-Authorization: " + auth + "\r\n")
        + "\r\n";
  }

  @Test
  void aUserGetsTheRandomBytesAskedForAndThenTheClose() throws Exception {
    try (RelayClient c = RelayClient.connect(relay.address())) {
      RelayClient.Response r =
          c.request(connect("speed-sample.invalid:256", RelayClient.basic(alice)));
      assertThat(r.statusLine()).isEqualTo("HTTP/1.1 200 Connection established");
      InputStream in = c.socket().getInputStream();
      byte[] buf = new byte[65536];
      long total = 0;
      Set<Byte> seen = new HashSet<>();
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        total += n;
        for (int i = 0; i < n; i += 97) {
          seen.add(buf[i]);
        }
      }
      assertThat(total).isEqualTo(256 * 1024);
      assertThat(seen).as("random bytes, not a fill").hasSizeGreaterThan(200);
    }
  }

  @Test
  void aSizeOutsideTheBoundsIsRefusedWithTheReason() throws Exception {
    for (String size : new String[] {"4097", "65535"}) {
      try (RelayClient c = RelayClient.connect(relay.address())) {
        RelayClient.Response r =
            c.request(connect("speed-sample.invalid:" + size, RelayClient.basic(alice)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.bodyText()).contains("speed sample: " + size + " KiB (expected: 1..4096)");
      }
    }
  }

  @Test
  void strangersGetWhatAnyStrangersConnectGets() throws Exception {
    for (String auth : new String[] {null, RelayClient.basic("alice", "not-the-token")}) {
      RelayClient.Response other;
      try (RelayClient c = RelayClient.connect(relay.address())) {
        other = c.request(connect("example.com:443", auth));
      }
      try (RelayClient c = RelayClient.connect(relay.address())) {
        RelayClient.Response r = c.request(connect("speed-sample.invalid:1024", auth));
        assertThat(r.status()).isEqualTo(400).isEqualTo(other.status());
        assertThat(r.headerNames()).isEqualTo(other.headerNames());
        assertThat(r.body()).isEqualTo(other.body());
        assertThat(c.closedByRelay()).isTrue();
      }
    }
  }
}
