package io.sidestep.client.dial;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.sidestep.core.netty.HeldBytes;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link EarlyData} on embedded channels: the user's side and each attempt's stream. */
class EarlyDataTest {

  /** Counts the reads asked of the user's connection. */
  static final class Reads extends ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void read(ChannelHandlerContext ctx) {
      count++;
      ctx.read();
    }
  }

  EmbeddedChannel user;
  Reads reads;
  EarlyData early;

  @BeforeEach
  void setUp() {
    reads = new Reads();
    user = new EmbeddedChannel();
    user.config().setOption(ChannelOption.AUTO_READ, false);
    user.pipeline().addFirst(reads);
    early = EarlyData.of(user);
  }

  private static ByteBuf text(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  /** Everything written to {@code stream} so far, as text. */
  private static String written(EmbeddedChannel stream) {
    StringBuilder b = new StringBuilder();
    ByteBuf m;
    while ((m = stream.readOutbound()) != null) {
      b.append(m.toString(StandardCharsets.US_ASCII));
      m.release();
    }
    return b.toString();
  }

  @Test
  void bytesFromBeforeTheStreamAndAfterItGoToItInOrder() {
    user.pipeline().addLast(HeldBytes.NAME, new HeldBytes());
    user.writeInbound(text("held by the door "));
    early.start();
    assertThat(user.pipeline().get(HeldBytes.NAME)).isNull();
    user.writeInbound(text("before the CONNECT "));
    EmbeddedChannel stream = new EmbeddedChannel();
    early.attach(stream);
    user.writeInbound(text("after it"));
    assertThat(written(stream)).isEqualTo("held by the door before the CONNECT after it");
  }

  @Test
  void aSecondStreamGetsEveryByteAgainAndNothingIsLeftForIt() {
    early.start();
    EmbeddedChannel first = new EmbeddedChannel();
    early.attach(first);
    user.writeInbound(text("GET / "));
    first.close(); // the first relay went away before answering
    EmbeddedChannel second = new EmbeddedChannel();
    early.attach(second);
    user.writeInbound(text("HTTP/1.1"));
    assertThat(written(second)).isEqualTo("GET / HTTP/1.1");
    AtomicLong sent = new AtomicLong();
    assertThat(early.finish(second, sent::addAndGet)).as("nothing left to write").isNull();
    assertThat(sent).hasValue(14);
    assertThat(user.pipeline().get(EarlyData.NAME)).isNull();
    assertThat(user.pipeline().get(HeldBytes.NAME)).as("for a read under way").isNotNull();
  }

  @Test
  void aTunnelThatNeverHadTheBytesGetsThemAllFromFinish() {
    early.start();
    user.writeInbound(text("one "), text("two"));
    EmbeddedChannel tunnel = new EmbeddedChannel(); // a relay client that never attached
    AtomicLong sent = new AtomicLong();
    ByteBuf unsent = early.finish(tunnel, sent::addAndGet);
    assertThat(unsent.toString(StandardCharsets.US_ASCII)).isEqualTo("one two");
    unsent.release();
    assertThat(sent).hasValue(0);
  }

  @Test
  void readingStopsAtTheLimitUntilTheAnswer() {
    early.start();
    int before = reads.count;
    user.writeInbound(Unpooled.wrappedBuffer(new byte[EarlyData.LIMIT - 1]));
    assertThat(reads.count).as("under the limit: reads on").isGreaterThan(before);
    int atLimit = reads.count;
    user.writeInbound(Unpooled.wrappedBuffer(new byte[2]));
    assertThat(reads.count).as("at the limit: no more reads").isEqualTo(atLimit);
    early.finish(new EmbeddedChannel(), n -> {}).release();
  }

  @Test
  void bytesAfterTheAnswerWaitForTheSplice() {
    early.start();
    EmbeddedChannel stream = new EmbeddedChannel();
    early.attach(stream);
    assertThat(early.finish(stream, n -> {})).isNull();
    user.writeInbound(text("late"));
    assertThat(written(stream)).as("not written by the early path").isEmpty();
    user.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter());
    user.pipeline().remove(HeldBytes.NAME);
    ByteBuf late = user.readInbound();
    assertThat(late.toString(StandardCharsets.US_ASCII)).isEqualTo("late");
    late.release();
  }
}
