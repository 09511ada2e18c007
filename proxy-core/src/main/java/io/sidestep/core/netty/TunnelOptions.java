package io.sidestep.core.netty;

import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;

/**
 * Channel options for connections that may carry a tunnel, on the client and on the relay.
 *
 * <p>{@link #RECEIVE_BUFFERS}: each read gets a buffer that starts at 2 KiB and adapts between 64
 * bytes and {@value #MAX_READ} bytes (Netty's default stops at 64 KiB). A tunnel reads once per
 * write to its peer (auto-read off, the next read after the write succeeded), so the largest read
 * is how much one read and one write system call move: on a bulk download 256 KiB needed 15-25%
 * less CPU than 64 KiB in the client and the relay, and 1 MiB no less than 256 KiB
 * (bench/throughput.sh). It is also what a tunnel whose reader stalls holds per direction.
 */
public final class TunnelOptions {

  /** The largest read buffer: {@value} bytes. */
  public static final int MAX_READ = 256 * 1024;

  /** For {@link io.netty.channel.ChannelOption#RCVBUF_ALLOCATOR}; shareable. */
  public static final RecvByteBufAllocator RECEIVE_BUFFERS =
      new AdaptiveRecvByteBufAllocator(64, 2048, MAX_READ);

  private TunnelOptions() {}
}
