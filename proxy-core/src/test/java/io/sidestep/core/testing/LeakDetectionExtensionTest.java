package io.sidestep.core.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

class LeakDetectionExtensionTest {

  @Test
  void aLeakedBufferIsReportedAndAReleasedOneIsNot() throws Exception {
    LeakDetectionExtension.collectLeaks();
    ByteBuf kept = new UnpooledByteBufAllocator(false).directBuffer(64);
    kept.release();
    assertThat(LeakDetectionExtension.collectLeaks()).as("released buffer").isNull();

    leakOne();
    assertThat(LeakDetectionExtension.collectLeaks()).as("leaked buffer").contains("LEAK");
  }

  private static void leakOne() {
    ByteBuf b = new UnpooledByteBufAllocator(false).directBuffer(64);
    b.writeInt(42);
  }
}
