package io.sidestep.server.internal;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps one address from exhausting the relay: a new connection is closed at once when its source
 * address opens connections faster than {@code acceptsPerSecond} (a token bucket holding one
 * second's worth), already has {@code perSource} connections that have not authenticated, or when
 * unauthenticated connections together already number {@code total}; the descriptors beyond that
 * stay for users' connections and their destinations. A connection stops counting as
 * unauthenticated once {@link #authenticated} is called for it. Shared by all connections.
 */
@ChannelHandler.Sharable
public final class SourceLimits extends ChannelInboundHandlerAdapter {

  private static final AttributeKey<Runnable> RELEASE = AttributeKey.valueOf("sidestep.stranger");

  private final int perSource;
  private final int total;
  private final int acceptsPerSecond;
  private final AtomicInteger strangers = new AtomicInteger();
  private final Map<InetAddress, AtomicInteger> bySource = new ConcurrentHashMap<>();
  private final Map<InetAddress, Bucket> accepts = new ConcurrentHashMap<>();
  private final Metrics metrics;

  private static final class Bucket {
    double tokens;
    long last = System.nanoTime();

    Bucket(double tokens) {
      this.tokens = tokens;
    }
  }

  public SourceLimits(int perSource, int total, int acceptsPerSecond, Metrics metrics) {
    this.perSource = perSource;
    this.total = total;
    this.acceptsPerSecond = acceptsPerSecond;
    this.metrics = metrics;
  }

  /** The connection authenticated: it no longer counts against its source's limits. */
  public static void authenticated(Channel ch) {
    Runnable release = ch.attr(RELEASE).getAndSet(null);
    if (release != null) {
      release.run();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    Channel ch = ctx.channel();
    InetAddress source = ((InetSocketAddress) ch.remoteAddress()).getAddress();
    if (!tryAccept(source)) {
      metrics.probe("source_limited");
      ch.close();
      return;
    }
    AtomicInteger mine = bySource.computeIfAbsent(source, s -> new AtomicInteger());
    if (mine.incrementAndGet() > perSource | strangers.incrementAndGet() > total) {
      if (mine.decrementAndGet() == 0) {
        bySource.remove(source, mine);
      }
      strangers.decrementAndGet();
      metrics.probe("source_limited");
      ch.close();
      return;
    }
    Runnable release =
        () -> {
          strangers.decrementAndGet();
          if (mine.decrementAndGet() == 0) {
            bySource.remove(source, mine);
          }
        };
    ch.attr(RELEASE).set(release);
    ch.closeFuture().addListener(f -> authenticated(ch));
    ctx.pipeline().remove(this);
    ctx.fireChannelActive();
  }

  private boolean tryAccept(InetAddress source) {
    Bucket b = accepts.computeIfAbsent(source, s -> new Bucket(acceptsPerSecond));
    synchronized (b) {
      long now = System.nanoTime();
      b.tokens = Math.min(acceptsPerSecond, b.tokens + (now - b.last) * acceptsPerSecond / 1e9);
      b.last = now;
      if (b.tokens < 1) {
        return false;
      }
      b.tokens -= 1;
      return true;
    }
  }

  /** Forgets sources whose buckets are full again; called now and then, off the event loops. */
  public void forgetIdle() {
    long now = System.nanoTime();
    accepts
        .entrySet()
        .removeIf(
            e -> {
              synchronized (e.getValue()) {
                return e.getValue().tokens + (now - e.getValue().last) * acceptsPerSecond / 1e9
                    >= acceptsPerSecond;
              }
            });
  }
}
