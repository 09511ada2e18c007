package io.sidestep.core.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FirstFlightPaddingTest {

  private static ByteBuf bytes(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
  }

  /** Everything written out of {@code ch}, as one array. */
  private static byte[] written(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  /** Everything read up through {@code ch}, as one string. */
  private static String read(EmbeddedChannel ch) {
    StringBuilder s = new StringBuilder();
    for (ByteBuf b; (b = ch.readInbound()) != null; ) {
      s.append(b.toString(StandardCharsets.US_ASCII));
      b.release();
    }
    return s.toString();
  }

  /** The frames of the wire bytes: {payload, padding} lengths, and what is left after them. */
  private record Frames(List<int[]> sizes, List<String> payloads, String rest) {
    static Frames parse(byte[] wire, int frames) {
      List<int[]> sizes = new ArrayList<>();
      List<String> payloads = new ArrayList<>();
      int i = 0;
      for (int f = 0; f < frames && i < wire.length; f++) {
        int n = (wire[i] & 0xff) << 8 | (wire[i + 1] & 0xff);
        int pad = wire[i + 2] & 0xff;
        payloads.add(new String(wire, i + 3, n, StandardCharsets.US_ASCII));
        for (int p = 0; p < pad; p++) {
          assertThat(wire[i + 3 + n + p]).as("padding is zeros").isZero();
        }
        sizes.add(new int[] {n, pad});
        i += 3 + n + pad;
      }
      return new Frames(
          sizes, payloads, new String(wire, i, wire.length - i, StandardCharsets.US_ASCII));
    }
  }

  @Test
  void theFirstEightWritesAreFramedWithPaddingAndLaterOnesPassAsTheyAre() {
    EmbeddedChannel ch = new EmbeddedChannel(new FirstFlightPadding(new Random(1)));
    for (int i = 0; i < 10; i++) {
      ch.writeOutbound(bytes("write" + i));
    }
    Frames f = Frames.parse(written(ch), FirstFlightPadding.FRAMES);
    assertThat(f.payloads())
        .containsExactly(
            "write0", "write1", "write2", "write3", "write4", "write5", "write6", "write7");
    assertThat(f.sizes().stream().map(s -> s[1]).distinct().count())
        .as("padding lengths vary")
        .isGreaterThan(1);
    assertThat(f.sizes()).allSatisfy(s -> assertThat(s[1]).isBetween(0, 255));
    assertThat(f.rest()).isEqualTo("write8write9");
    assertThat(ch.finishAndReleaseAll()).isFalse();
  }

  @Test
  void aWriteLongerThanAFrameTakesSeveralFrames() {
    EmbeddedChannel ch = new EmbeddedChannel(new FirstFlightPadding(new Random(2)));
    String big = "x".repeat(FirstFlightPadding.MAX_PAYLOAD + 10);
    ch.writeOutbound(bytes(big));
    Frames f = Frames.parse(written(ch), FirstFlightPadding.FRAMES);
    assertThat(f.sizes()).hasSize(2);
    assertThat(f.sizes().get(0)[0]).isEqualTo(FirstFlightPadding.MAX_PAYLOAD);
    assertThat(f.sizes().get(1)[0]).isEqualTo(10);
    assertThat(String.join("", f.payloads())).isEqualTo(big);
    ch.finishAndReleaseAll();
  }

  @Test
  void anEmptyWritePassesWithoutUsingAFrame() {
    EmbeddedChannel ch = new EmbeddedChannel(new FirstFlightPadding(new Random(3)));
    ch.writeOutbound(Unpooled.EMPTY_BUFFER);
    ch.writeOutbound(bytes("a"));
    Frames f = Frames.parse(written(ch), 1);
    assertThat(f.payloads()).containsExactly("a");
    ch.finishAndReleaseAll();
  }

  /** What a padding writer sends for {@code writes}, as one byte array. */
  private static byte[] wire(String... writes) {
    EmbeddedChannel writer = new EmbeddedChannel(new FirstFlightPadding(new Random(4)));
    for (String w : writes) {
      writer.writeOutbound(bytes(w));
    }
    byte[] out = written(writer);
    writer.finishAndReleaseAll();
    return out;
  }

  private static final String[] TEN = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"
  };

  @Test
  void coalescedFramesAreTakenApartInOneRead() {
    EmbeddedChannel reader = new EmbeddedChannel(new FirstFlightPadding());
    reader.writeInbound(Unpooled.wrappedBuffer(wire(TEN)));
    assertThat(read(reader)).isEqualTo(String.join("", TEN));
    assertThat(reader.isOpen()).isTrue();
    reader.finishAndReleaseAll();
  }

  @Test
  void framesSplitAtEveryByteAreTakenApart() {
    EmbeddedChannel reader = new EmbeddedChannel(new FirstFlightPadding());
    for (byte b : wire(TEN)) {
      reader.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
    }
    assertThat(read(reader)).isEqualTo(String.join("", TEN));
    reader.finishAndReleaseAll();
  }

  @Test
  void framesSplitAtOddPlacesAreTakenApart() {
    byte[] all = wire(TEN);
    EmbeddedChannel reader = new EmbeddedChannel(new FirstFlightPadding());
    Random cut = new Random(5);
    for (int i = 0; i < all.length; ) {
      int n = Math.min(all.length - i, 1 + cut.nextInt(40));
      reader.writeInbound(Unpooled.wrappedBuffer(all, i, n));
      i += n;
    }
    assertThat(read(reader)).isEqualTo(String.join("", TEN));
    reader.finishAndReleaseAll();
  }

  @Test
  void aFrameWithNoPayloadClosesTheConnectionQuietly() {
    EmbeddedChannel reader = new EmbeddedChannel(new FirstFlightPadding());
    reader.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 0, 5, 0, 0, 0, 0, 0, 'x'}));
    assertThat(reader.isOpen()).isFalse();
    assertThat((Object) reader.readInbound()).isNull();
    reader.checkException(); // nothing thrown up the pipeline
    reader.finishAndReleaseAll();
  }

  @Test
  void paddingThatIsNotZerosClosesTheConnectionQuietly() {
    EmbeddedChannel other = new EmbeddedChannel(new FirstFlightPadding());
    other.writeInbound(Unpooled.wrappedBuffer(new byte[] {0, 1, 2, 'a', 0, 7}));
    assertThat(read(other)).isEqualTo("a");
    assertThat(other.isOpen()).isFalse();
    other.checkException();
    other.finishAndReleaseAll();
  }

  @Test
  void twoEndsTalkThroughEachOther() {
    EmbeddedChannel a = new EmbeddedChannel(new FirstFlightPadding());
    EmbeddedChannel b = new EmbeddedChannel(new FirstFlightPadding());
    StringBuilder sent = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      String msg = "message " + i + ";";
      sent.append(msg);
      a.writeOutbound(bytes(msg));
      for (ByteBuf w; (w = a.readOutbound()) != null; ) {
        b.writeInbound(w);
      }
    }
    assertThat(read(b)).isEqualTo(sent.toString());
    a.finishAndReleaseAll();
    b.finishAndReleaseAll();
  }

  @Test
  void paddingLengthsAreDrawnEvenlyFromNoneTo255AcrossManyBatches() {
    java.util.Random drawn = new FirstFlightPadding.Drawn();
    int[] seen = new int[FirstFlightPadding.MAX_PADDING + 1];
    int draws = seen.length * 400; // 800 batches of the thread's random bytes
    for (int i = 0; i < draws; i++) {
      seen[drawn.nextInt(seen.length)]++;
    }
    // 400 expected per length, standard deviation 20: these bounds are seven of those away.
    assertThat(java.util.Arrays.stream(seen).min().getAsInt()).isGreaterThan(260);
    assertThat(java.util.Arrays.stream(seen).max().getAsInt()).isLessThan(540);
  }
}
