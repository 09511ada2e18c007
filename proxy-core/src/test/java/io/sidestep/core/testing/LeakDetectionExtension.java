package io.sidestep.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer during it.
 *
 * <p>Registered for every test through {@code META-INF/services} (the parent POM turns on extension
 * autodetection). The tests run with {@code -Dio.netty.leakDetection.level=paranoid}, so every
 * buffer is tracked; after each class this forces a collection and fails on any report.
 */
public final class LeakDetectionExtension implements AfterAllCallback {

  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  static {
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    String report = collectLeaks();
    if (report != null) {
      throw new AssertionError(
          "Netty reported leaked buffers in " + context.getDisplayName() + ":\n" + report);
    }
  }

  /**
   * Collects garbage, flushes Netty's leak queue and returns the reports since last call, or null.
   */
  static String collectLeaks() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
      // Leaks are reported when a new resource is tracked: allocate a few to flush the queue.
      for (int j = 0; j < 16; j++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.buffer(16);
        b.release();
      }
    }
    if (LEAKS.isEmpty()) {
      return null;
    }
    String report = String.join("\n\n", LEAKS);
    LEAKS.clear();
    return report;
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    @SuppressWarnings("deprecation")
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return new RecordingDetector<>(resource, samplingInterval);
    }
  }

  private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<T> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      LEAKS.add("LEAK: " + resourceType + records);
      super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      LEAKS.add("LEAK: " + resourceType + " (untraced)");
      super.reportUntracedLeak(resourceType);
    }
  }
}
