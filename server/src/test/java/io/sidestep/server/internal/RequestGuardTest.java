package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** What {@link RequestGuard} hands on to the HTTP decoder, and when. */
class RequestGuardTest {

  private final RequestGuard guard = new RequestGuard();
  private final EmbeddedChannel ch = new EmbeddedChannel(guard);

  private void send(String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  /** Everything handed on so far, as one string. */
  private String passed() {
    StringBuilder all = new StringBuilder();
    for (Object o; (o = ch.readInbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      all.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return all.toString();
  }

  @Test
  void aPipelinedRequestWaitsForTheGuardAndIsReadAsTheFirstWas() {
    send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.01\r\nHost: x\r\nX: a\u0001b\r\n\r\n");
    assertThat(passed()).isEqualTo("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    send("GET /3 HTTP/1.1\r\n");
    assertThat(passed()).as("held behind the second").isEmpty();

    guard.wake(); // the first was answered
    ch.runPendingTasks();
    assertThat(passed())
        .as("nginx's reading of the version and of a control character in a value")
        .isEqualTo("GET /2 HTTP/1.1\r\nHost: x\r\nX: a\u00ffb\r\n\r\n");

    guard.wake();
    ch.runPendingTasks();
    send("Host: x\r\n\r\n");
    assertThat(passed()).isEqualTo("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
    ch.finishAndReleaseAll();
  }

  @Test
  void aTunnelsFirstBytesGoOnWithItsConnect() {
    send(
        "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\u0016\u0003\u0001hello");
    assertThat(passed())
        .isEqualTo(
            "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\u0016\u0003\u0001hello");
    ch.finishAndReleaseAll();
  }

  @Test
  void aBodyAndWhatFollowsAreTheDecodersToRead() {
    String post =
        "POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n";
    send(post);
    assertThat(passed()).isEqualTo(post);
    ch.finishAndReleaseAll();
  }

  @Test
  void heldBytesAreLetGoWhenTheConnectionCloses() {
    send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\n");
    assertThat(passed()).isEqualTo("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ch.close();
    assertThat(ch.finishAndReleaseAll()).isFalse(); // the leak check fails the run otherwise
  }
}
