package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.Future;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.InterceptionCheck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handshake and fetch of our own, each on an {@link EmbeddedChannel} standing for a socket. */
class ProbeHandlersTest {

  static void silence(EmbeddedChannel ch, Duration d) {
    ch.advanceTimeBy(d.toMillis(), TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  static void dropOutbound(EmbeddedChannel ch) {
    for (Object m; (m = ch.readOutbound()) != null; ) {
      io.netty.util.ReferenceCountUtil.release(m);
    }
  }

  @Test
  void aHandshakeMetBySilenceFailsAsSilenceAfterTheFirstReadTimeout() {
    EmbeddedChannel ch = new EmbeddedChannel();
    Future<TlsProbe.Result> f =
        TlsProbe.over(ch, "silent.example", 443, Duration.ofSeconds(3), Duration.ofSeconds(10));
    ch.runPendingTasks();
    ByteBuf hello = ch.readOutbound();
    assertThat(hello).as("a ClientHello went out").isNotNull();
    assertThat(hello.getByte(0)).as("a TLS handshake record").isEqualTo((byte) 22);
    hello.release();
    silence(ch, Duration.ofMillis(2900));
    assertThat(f.isDone()).isFalse();
    silence(ch, Duration.ofMillis(200));
    assertThat(f.getNow()).isInstanceOf(TlsProbe.Failed.class);
    assertThat(((TlsProbe.Failed) f.getNow()).failure()).isEqualTo(StreamFailure.SILENCE);
    dropOutbound(ch);
    ch.finishAndReleaseAll();
  }

  @Test
  void aHandshakeMetByAResetFailsAsAReset() {
    EmbeddedChannel ch = new EmbeddedChannel();
    Future<TlsProbe.Result> f =
        TlsProbe.over(ch, "reset.example", 443, Duration.ofSeconds(3), Duration.ofSeconds(10));
    ch.runPendingTasks();
    dropOutbound(ch);
    ch.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    assertThat(f.getNow()).isInstanceOf(TlsProbe.Failed.class);
    TlsProbe.Failed failed = (TlsProbe.Failed) f.getNow();
    assertThat(failed.failure()).isEqualTo(StreamFailure.RESET);
    assertThat(failed.bytesRead()).isZero();
    dropOutbound(ch);
    ch.finishAndReleaseAll();
  }

  static final Steps STEPS =
      new Steps(
          DetectionSettings.defaults(),
          RelayResolver.NONE,
          InterceptionCheck.jvmTrustManager(),
          Clock.systemUTC());

  @Test
  void aFetchSendsTheRequestAndEndsWithTheWholeResponse() {
    EmbeddedChannel ch = new EmbeddedChannel();
    byte[] request = Steps.httpGet("open.example", "/page");
    CompletableFuture<Steps.Fetch> f = STEPS.fetch(ch, request, true);
    ByteBuf sent = ch.readOutbound();
    assertThat(sent.toString(StandardCharsets.ISO_8859_1)).startsWith("GET /page HTTP/1.1\r\n");
    sent.release();
    ch.writeInbound(
        Unpooled.copiedBuffer(
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    Steps.Fetch fetch = f.getNow(null);
    assertThat(fetch).isNotNull();
    assertThat(fetch.failure()).isNull();
    assertThat(fetch.summary().orElseThrow().status()).isEqualTo(200);
    assertThat(ch.isOpen()).as("taken over and closed").isFalse();
  }

  @Test
  void aFetchMetBySilenceFailsAsSilence() {
    EmbeddedChannel ch = new EmbeddedChannel();
    CompletableFuture<Steps.Fetch> f = STEPS.fetch(ch, Steps.httpGet("x.example", "/"), true);
    dropOutbound(ch);
    silence(ch, Duration.ofMillis(3100));
    assertThat(f.getNow(null).failure()).isEqualTo(StreamFailure.SILENCE);
    assertThat(f.getNow(null).bytesRead()).isZero();
    ch.runPendingTasks();
    assertThat(ch.isOpen()).as("taken over and closed").isFalse();
  }
}
