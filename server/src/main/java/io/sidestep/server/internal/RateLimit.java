package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.util.concurrent.TimeUnit;

/**
 * A user's chosen rate, on the client connection, by pausing reads: bytes from the client are
 * charged to the user's {@link Bucket} and the next {@code read()} waits until the bucket allows
 * it; bytes to the client are charged too and their write completes late, so the tunnel, which
 * reads the destination only after a write completed, waits as well. Nothing is dropped or queued
 * beyond one batch. Both directions of all of a user's connections share one bucket.
 */
final class RateLimit extends ChannelDuplexHandler {

  static final String NAME = "rate";

  /** A token bucket in virtual time, with a burst of a tenth of a second. Thread-safe. */
  static final class Bucket {
    private final long bitsPerSecond;
    private final long burstNanos = TimeUnit.MILLISECONDS.toNanos(100);
    private long next = System.nanoTime();

    Bucket(long bitsPerSecond) {
      this.bitsPerSecond = bitsPerSecond;
    }

    long bitsPerSecond() {
      return bitsPerSecond;
    }

    /** Charges {@code bytes}; returns how long to wait before the next batch, in nanoseconds. */
    synchronized long charge(long bytes) {
      long now = System.nanoTime();
      next = Math.max(next, now - burstNanos) + bytes * 8 * 1_000_000_000L / bitsPerSecond;
      return Math.max(0, next - now);
    }
  }

  private final Bucket bucket;
  private long readAfter;
  private boolean readPending;

  RateLimit(Bucket bucket) {
    this.bucket = bucket;
  }

  private static long size(Object msg) {
    if (msg instanceof ByteBuf b) {
      return b.readableBytes();
    }
    return msg instanceof ByteBufHolder h ? h.content().readableBytes() : 0;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    long wait = bucket.charge(size(msg));
    if (wait > 0) {
      readAfter = System.nanoTime() + wait;
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    long wait = readAfter - System.nanoTime();
    if (wait <= 0) {
      ctx.read();
    } else if (!readPending) {
      readPending = true;
      ctx.executor()
          .schedule(
              () -> {
                readPending = false;
                ctx.read();
              },
              wait,
              TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    long wait = bucket.charge(size(msg));
    if (wait <= 0 || promise.isVoid()) {
      ctx.write(msg, promise);
      return;
    }
    ctx.write(msg)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
              } else {
                ctx.executor().schedule(() -> promise.trySuccess(), wait, TimeUnit.NANOSECONDS);
              }
            });
  }
}
