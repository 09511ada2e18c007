package io.sidestep.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wrong token must cost what no token costs, so that timing does not tell a prober that the relay
 * checks credentials. Interleaved requests on one connection, compared by their medians with a
 * generous margin: this catches an extra round trip or a slow path, not microseconds.
 */
@Timeout(60)
class TokenTimingTest {

  static final int TRIES = 300;

  @Test
  void aWrongTokenTakesAsLongAsNoToken(@TempDir Path state) throws Exception {
    try (Relay relay = TestRelays.onLoopback(state).start()) {
      relay.addUser("alice");
      String none = "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\n\r\n";
      String wrong =
          "GET http://example.com/ HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: "
              + RelayClient.basic("alice", "not-the-token-but-as-long-as-one-0123456789a")
              + "\r\n\r\n";
      long[] noneNanos = new long[TRIES];
      long[] wrongNanos = new long[TRIES];
      try (RelayClient c = RelayClient.connect(relay.address())) {
        for (int i = 0; i < 50; i++) { // warm up the JIT on both paths
          c.request(none);
          c.request(wrong);
        }
        for (int i = 0; i < TRIES; i++) {
          noneNanos[i] = timed(c, none);
          wrongNanos[i] = timed(c, wrong);
        }
      }
      double ratio = (double) median(wrongNanos) / median(noneNanos);
      assertThat(ratio)
          .as(
              "median with a wrong token / median with none (%d / %d ns)",
              median(wrongNanos), median(noneNanos))
          .isBetween(0.5, 2.0);
    }
  }

  static long timed(RelayClient c, String request) throws Exception {
    long t = System.nanoTime();
    RelayClient.Response r = c.request(request);
    long took = System.nanoTime() - t;
    assertThat(r.status()).as("the decoy answers both").isEqualTo(200);
    return took;
  }

  static long median(long[] v) {
    long[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }
}
