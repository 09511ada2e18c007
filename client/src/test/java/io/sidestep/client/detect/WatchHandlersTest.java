package io.sidestep.client.detect;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidestep.core.detect.AttemptJudge;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.ThrottleJudge;
import io.sidestep.core.netty.HeldBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The watch handlers of a detection attempt, each alone on an {@link EmbeddedChannel}: silence is
 * the channel's clock moved forward, never a real wait.
 */
class WatchHandlersTest {

  static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  static void silence(EmbeddedChannel ch, Duration d) {
    ch.advanceTimeBy(d.toMillis(), TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
  }

  /** Records what a watch reported. */
  static final class Heard implements FirstResponseWatch.Listener, RelayAnswerWatch.Listener {
    final List<String> events = new ArrayList<>();

    @Override
    public void answered() {
      events.add("answered");
    }

    @Override
    public void failed(StreamFailure failure, String detail) {
      events.add(failure.name());
    }

    @Override
    public void answered(int firstBytes) {
      events.add("answered " + firstBytes);
    }

    @Override
    public void failed(String why) {
      events.add("failed: " + why);
    }
  }

  // ---- FirstResponseWatch ----------------------------------------------------------------------

  @Test
  void theFirstResponseWatchReportsSilenceOnceTheFirstReadTimeoutPasses() {
    Heard heard = new Heard();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(FirstResponseWatch.NAME, new FirstResponseWatch(Duration.ofSeconds(3), heard));
    silence(ch, Duration.ofMillis(2900));
    assertThat(heard.events).as("not yet").isEmpty();
    silence(ch, Duration.ofMillis(200));
    assertThat(heard.events).containsExactly("SILENCE");
    silence(ch, Duration.ofSeconds(10));
    assertThat(heard.events).as("reported once").containsExactly("SILENCE");
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void theFirstResponseWatchHoldsTheAnswerAndHandsItOver() {
    Heard heard = new Heard();
    EmbeddedChannel ch = new EmbeddedChannel();
    FirstResponseWatch watch = new FirstResponseWatch(Duration.ofSeconds(3), heard);
    ch.pipeline().addLast(FirstResponseWatch.NAME, watch);
    ch.writeInbound(bytes("HTTP/1.1 200 OK\r\n"));
    assertThat(heard.events).containsExactly("answered");
    assertThat((Object) ch.readInbound()).as("held until handed over").isNull();
    watch.handOver();
    HeldBytes.passOn(ch.pipeline());
    ByteBuf out = ch.readInbound();
    assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo("HTTP/1.1 200 OK\r\n");
    out.release();
    silence(ch, Duration.ofSeconds(10));
    assertThat(heard.events).as("no silence after the answer").containsExactly("answered");
    ch.finishAndReleaseAll();
  }

  @Test
  void theFirstResponseWatchTellsAResetFromAnEof() {
    Heard reset = new Heard();
    EmbeddedChannel a = new EmbeddedChannel();
    a.pipeline()
        .addLast(FirstResponseWatch.NAME, new FirstResponseWatch(Duration.ofSeconds(3), reset));
    a.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
    assertThat(reset.events).containsExactly("RESET");
    a.finishAndReleaseAll();

    Heard eof = new Heard();
    EmbeddedChannel b = new EmbeddedChannel();
    b.pipeline()
        .addLast(FirstResponseWatch.NAME, new FirstResponseWatch(Duration.ofSeconds(3), eof));
    b.close();
    assertThat(eof.events).containsExactly("EOF");
  }

  // ---- RelayAnswerWatch ------------------------------------------------------------------------

  @Test
  void theRelayAnswerWatchPassesTheAnswerOnAndLeaves() {
    Heard heard = new Heard();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(RelayAnswerWatch.NAME, new RelayAnswerWatch(Duration.ofSeconds(10), false, heard));
    ch.writeInbound(bytes("hello"));
    assertThat(heard.events).containsExactly("answered 5");
    ByteBuf out = ch.readInbound();
    assertThat(out.readableBytes()).isEqualTo(5);
    out.release();
    assertThat(ch.pipeline().get(RelayAnswerWatch.NAME)).isNull();
    assertThat(ch.pipeline().names()).noneMatch(n -> n.endsWith("-silence"));
    ch.finishAndReleaseAll();
  }

  @Test
  void aRelayControlThatStaysSilentFailsAndIsClosed() {
    Heard heard = new Heard();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(RelayAnswerWatch.NAME, new RelayAnswerWatch(Duration.ofSeconds(10), true, heard));
    silence(ch, Duration.ofSeconds(11));
    assertThat(heard.events).containsExactly("failed: no byte through the relay within 10000 ms");
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aRelayControlDropsTheAnswerAndCloses() {
    Heard heard = new Heard();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.pipeline()
        .addLast(RelayAnswerWatch.NAME, new RelayAnswerWatch(Duration.ofSeconds(10), true, heard));
    ByteBuf in = bytes("HTTP/1.1 200 OK");
    ch.writeInbound(in);
    assertThat(heard.events).containsExactly("answered 15");
    assertThat(in.refCnt()).as("released").isZero();
    assertThat((Object) ch.readInbound()).isNull();
    assertThat(ch.isOpen()).isFalse();
  }

  // ---- StreamWatch -----------------------------------------------------------------------------

  @Test
  void aResetWithinTheCountedBytesIsReportedAndPastThemTheWatchLeaves() {
    List<String> heard = new ArrayList<>();
    StreamWatch.Listener l =
        new StreamWatch.Listener() {
          @Override
          public void reset(long bytesRead, String detail) {
            heard.add("reset " + bytesRead);
          }

          @Override
          public void working(long bytesRead) {
            heard.add("working");
          }
        };
    EmbeddedChannel a = new EmbeddedChannel(new StreamWatch(0, l));
    a.writeInbound(bytes("x".repeat(100)));
    try {
      a.pipeline().fireExceptionCaught(new IOException("Connection reset by peer"));
      a.checkException();
    } catch (Exception e) {
      // passed on, as it should be
    }
    assertThat(heard).containsExactly("reset 100");
    a.finishAndReleaseAll();

    heard.clear();
    EmbeddedChannel b = new EmbeddedChannel();
    b.pipeline().addLast(StreamWatch.NAME, new StreamWatch(0, l));
    b.writeInbound(bytes("x".repeat((int) AttemptJudge.COUNTED_BYTES + 1)));
    assertThat(heard).containsExactly("working");
    assertThat(b.pipeline().get(StreamWatch.NAME)).isNull();
    b.finishAndReleaseAll();
  }

  // ---- RateMeter -------------------------------------------------------------------------------

  @Test
  void theRateMeterReportsALargeTransferAtTheCloseAndNotASmallOne() {
    List<ThrottleJudge.Transfer> seen = new ArrayList<>();
    EmbeddedChannel small = new EmbeddedChannel(new RateMeter(seen::add));
    small.writeInbound(bytes("x".repeat(1000)));
    small.finishAndReleaseAll();
    assertThat(seen).isEmpty();

    EmbeddedChannel large = new EmbeddedChannel(new RateMeter(seen::add));
    large.writeInbound(Unpooled.wrappedBuffer(new byte[(int) RateMeter.MIN_BYTES]));
    large.writeInbound(Unpooled.wrappedBuffer(new byte[1000]));
    large.finishAndReleaseAll();
    assertThat(seen).hasSize(1);
    assertThat(seen.get(0).bytes()).isEqualTo(RateMeter.MIN_BYTES + 1000);
  }

  /** A meter whose clock the test moves, reporting into {@code heard}. */
  private static RateMeter meter(long[] now, List<String> heard) {
    return new RateMeter(
        new RateMeter.Listener() {
          @Override
          public void window(ThrottleJudge.Transfer w) {
            heard.add("window " + w.bytes() + " in " + w.elapsed().toMillis() + " ms");
          }

          @Override
          public void closed(ThrottleJudge.Transfer t) {
            heard.add("closed " + t.bytes() + " in " + t.elapsed().toMillis() + " ms");
          }
        },
        () -> now[0]);
  }

  @Test
  void theRateMeterReportsEachWindowOfWaitingWhileTheTransferRuns() {
    long[] now = {1_000_000_000L};
    List<String> heard = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAutoRead(false);
    ch.pipeline().addLast(RateMeter.NAME, meter(now, heard));
    // A 64 kB/s throttle: each read asked for brings 6,400 bytes 100 ms later.
    for (int i = 0; i < 60; i++) {
      ch.read();
      now[0] += 100_000_000L;
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[6400]));
    }
    assertThat(heard).containsExactly("window 320000 in 5000 ms");
    ch.finishAndReleaseAll();
    assertThat(heard).containsExactly("window 320000 in 5000 ms", "closed 384000 in 6000 ms");
  }

  @Test
  void theRateMeterLeavesOutTheUsersTimeAndIdlePauses() {
    long[] now = {1_000_000_000L};
    List<String> heard = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel();
    ch.config().setAutoRead(false);
    ch.pipeline().addLast(RateMeter.NAME, meter(now, heard));
    for (int i = 0; i < 30; i++) {
      ch.read();
      now[0] += 10_000_000L; // 10 ms waiting for 16 KiB
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[16384]));
      now[0] += 500_000_000L; // the user's side takes half a second to take them: not counted
    }
    ch.read();
    now[0] += 30_000_000_000L; // 30 s with nothing to send, then another response
    ch.writeInbound(Unpooled.wrappedBuffer(new byte[1000]));
    ch.finishAndReleaseAll();
    assertThat(heard)
        .as("300 ms of waiting for 492,520 bytes: no window, and the fast rate at the close")
        .containsExactly("closed 492520 in 300 ms");
  }

  // ---- ResponseCapture -------------------------------------------------------------------------

  @Test
  void aCaptureHoldsAWholeResponseAndDeliversItInOrder() {
    List<ResponseCapture> done = new ArrayList<>();
    EmbeddedChannel origin = new EmbeddedChannel();
    ResponseCapture c =
        new ResponseCapture(Duration.ofSeconds(3), Duration.ofSeconds(5), done::add);
    origin.pipeline().addLast(ResponseCapture.NAME, c);
    origin.writeInbound(bytes("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"));
    assertThat(done).as("not whole yet").isEmpty();
    origin.writeInbound(bytes("cd"));
    assertThat(done).containsExactly(c);
    assertThat(c.failure()).isNull();
    assertThat(c.summary().orElseThrow().status()).isEqualTo(200);

    EmbeddedChannel user = new EmbeddedChannel();
    c.deliverTo(user);
    ByteBuf first = user.readOutbound();
    ByteBuf second = user.readOutbound();
    assertThat(
            first.toString(StandardCharsets.ISO_8859_1)
                + second.toString(StandardCharsets.ISO_8859_1))
        .isEqualTo("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd");
    first.release();
    second.release();
    origin.finishAndReleaseAll();
    user.finishAndReleaseAll();
  }

  @Test
  void aCaptureReportsSilenceBeforeTheFirstByteAndIdleAfterIt() {
    List<ResponseCapture> done = new ArrayList<>();
    EmbeddedChannel silent = new EmbeddedChannel();
    ResponseCapture s =
        new ResponseCapture(Duration.ofSeconds(3), Duration.ofSeconds(5), done::add);
    silent.pipeline().addLast(ResponseCapture.NAME, s);
    silence(silent, Duration.ofMillis(3100));
    assertThat(done).containsExactly(s);
    assertThat(s.failure()).isEqualTo(StreamFailure.SILENCE);
    s.discard();

    done.clear();
    EmbeddedChannel closeFramed = new EmbeddedChannel();
    ResponseCapture c =
        new ResponseCapture(Duration.ofSeconds(3), Duration.ofSeconds(5), done::add);
    closeFramed.pipeline().addLast(ResponseCapture.NAME, c);
    closeFramed.writeInbound(bytes("HTTP/1.0 200 OK\r\n\r\nuntil the close"));
    silence(closeFramed, Duration.ofMillis(ResponseCapture.IDLE_MS - 100));
    assertThat(done).isEmpty();
    silence(closeFramed, Duration.ofMillis(200));
    assertThat(done).as("nothing more came for %d ms", ResponseCapture.IDLE_MS).containsExactly(c);
    assertThat(c.failure()).isNull();
    c.discard();
  }

  @Test
  void aCaptureTellsAnEofBeforeAnyByte() {
    List<ResponseCapture> done = new ArrayList<>();
    EmbeddedChannel ch = new EmbeddedChannel();
    ResponseCapture c =
        new ResponseCapture(Duration.ofSeconds(3), Duration.ofSeconds(5), done::add);
    ch.pipeline().addLast(ResponseCapture.NAME, c);
    ch.close();
    assertThat(done).containsExactly(c);
    assertThat(c.failure()).isEqualTo(StreamFailure.EOF);
  }
}
