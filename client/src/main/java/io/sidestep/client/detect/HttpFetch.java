package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.detect.DirectOutcome.StreamFailure;
import io.sidestep.core.detect.ResponseSummary;
import io.sidestep.core.netty.HeldBytes;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Sends one plain-HTTP request on a connected channel (direct, or a relay tunnel) and collects the
 * response's first bytes: until the response is complete (Content-Length reached, the last chunk,
 * or the close), {@link #MAX_BYTES} have come, or the time is up. A reset, an EOF or silence before
 * the first byte is reported as such (technique 9). Takes the channel over and closes it.
 */
public final class HttpFetch {
  private HttpFetch() {}

  /** Most response bytes kept: a 16 KiB head and a 64 KiB body prefix. */
  public static final int MAX_BYTES = 16384 + ResponseSummary.MAX_BODY_PREFIX;

  /**
   * What came back.
   *
   * @param failure how the connection failed, null when it did not
   * @param bytesRead all bytes read (more than kept when the response was larger)
   */
  public record Fetch(byte[] bytes, long bytesRead, StreamFailure failure, Duration took) {

    public Optional<ResponseSummary> summary() {
      return ResponseSummary.parse(bytes, 0, bytes.length);
    }

    /** Failed before the first byte. */
    public boolean failedEarly() {
      return failure != null && bytesRead == 0;
    }
  }

  /** A GET for {@code path} with {@code Host: host}, closing afterwards. */
  public static byte[] get(String host, String path) {
    return ("GET "
            + path
            + " HTTP/1.1\r\nHost: "
            + host
            + "\r\nUser-Agent: Mozilla/5.0 (Sidestep probe)\r\nAccept: */*\r\nConnection: close\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  public static Future<Fetch> over(Channel ch, byte[] request, Duration firstRead, Duration total) {
    Promise<Fetch> promise = ch.eventLoop().newPromise();
    Collector c = new Collector(promise, firstRead, total);
    ch.pipeline().addLast("http-fetch", c);
    HeldBytes.passOn(ch.pipeline());
    ch.config().setAutoRead(true);
    ch.writeAndFlush(Unpooled.wrappedBuffer(request))
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                c.finish(StreamFailure.RESET);
              }
            });
    promise.addListener(x -> ch.close());
    return promise;
  }

  private static final class Collector extends ChannelInboundHandlerAdapter {
    private final Promise<Fetch> promise;
    private final Duration firstRead;
    private final Duration total;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final long start = System.nanoTime();
    private long read;
    private ScheduledFuture<?> silence;
    private ScheduledFuture<?> deadline;

    Collector(Promise<Fetch> promise, Duration firstRead, Duration total) {
      this.promise = promise;
      this.firstRead = firstRead;
      this.total = total;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      silence =
          ctx.executor()
              .schedule(
                  () -> {
                    if (read == 0) {
                      finish(StreamFailure.SILENCE);
                    }
                  },
                  firstRead.toMillis(),
                  TimeUnit.MILLISECONDS);
      deadline =
          ctx.executor().schedule(() -> finish(null), total.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof ByteBuf b) {
          read += b.readableBytes();
          int room = MAX_BYTES - kept.size();
          if (room > 0) {
            byte[] part = new byte[Math.min(room, b.readableBytes())];
            b.getBytes(b.readerIndex(), part);
            kept.writeBytes(part);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
      if (kept.size() >= MAX_BYTES || HttpFetchCompletion.complete(kept.toByteArray())) {
        finish(null);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(StreamFailure.RESET);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(read == 0 ? StreamFailure.EOF : null);
    }

    void finish(StreamFailure failure) {
      if (silence != null) {
        silence.cancel(false);
      }
      if (deadline != null) {
        deadline.cancel(false);
      }
      promise.trySuccess(
          new Fetch(
              kept.toByteArray(), read, failure, Duration.ofNanos(System.nanoTime() - start)));
    }
  }
}
