package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseBytesTest {

  /** Feeds {@code parts} in order; whether the response was whole after each. */
  static boolean[] feed(ResponseBytes r, String... parts) {
    boolean[] whole = new boolean[parts.length];
    for (int i = 0; i < parts.length; i++) {
      ByteBuf b = Unpooled.copiedBuffer(parts[i], StandardCharsets.ISO_8859_1);
      try {
        whole[i] = r.add(b);
        assertThat(b.refCnt()).as("the caller's buffer stays the caller's").isEqualTo(1);
      } finally {
        b.release();
      }
    }
    return whole;
  }

  @Test
  void aContentLengthResponseIsWholeWithItsLastBodyByte() {
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(feed(r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", "cde"))
          .containsExactly(false, true);
      assertThat(r.read()).isEqualTo(43);
      assertThat(r.summary().orElseThrow().status()).isEqualTo(200);
    }
  }

  @Test
  void aChunkedResponseIsWholeWithItsLastChunk() {
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(
              feed(
                  r,
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                  "3\r\nabc\r\n",
                  "0\r\n\r\n"))
          .containsExactly(false, false, true);
    }
  }

  @Test
  void headerNamesAreMatchedWhateverTheirCase() {
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(feed(r, "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:  2\r\n\r\nok")).containsExactly(true);
    }
  }

  @Test
  void anInterimResponseIsNotTheAnswer() {
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(
              feed(
                  r,
                  "HTTP/1.1 100 Continue\r\n\r\n",
                  "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n",
                  "x"))
          .containsExactly(false, false, true);
    }
  }

  @Test
  void aResponseFramedByTheCloseAndBytesThatAreNotHttpAreNeverWhole() {
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(feed(r, "HTTP/1.0 200 OK\r\n\r\nsome body")).containsExactly(false);
    }
    try (ResponseBytes r = new ResponseBytes()) {
      assertThat(feed(r, "\u0016\u0003\u0001 not http at all\r\n\r\n", "more"))
          .containsExactly(false, false);
      assertThat(r.summary()).isEmpty();
    }
  }

  @Test
  void keepsAtMostMaxBytesButCountsThemAll() {
    try (ResponseBytes r = new ResponseBytes()) {
      String head = "HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n";
      boolean[] whole = feed(r, head, "x".repeat(100_000));
      assertThat(whole).containsExactly(false, true);
      assertThat(r.bytes()).hasSize(ResponseBytes.MAX_BYTES);
      assertThat(r.read()).isEqualTo(head.length() + 100_000);
    }
  }
}
