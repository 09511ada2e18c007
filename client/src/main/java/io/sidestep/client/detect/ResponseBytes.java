package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.core.detect.ResponseSummary;
import java.io.ByteArrayOutputStream;
import java.util.Optional;

/**
 * The first bytes of one plain-HTTP response as they arrive: all of them counted, the first {@link
 * #MAX_BYTES} kept for the comparison, and framed by Netty's {@link HttpResponseDecoder} (run on a
 * channel of its own, as Netty's content decoders do) to tell when the response is whole: its
 * Content-Length reached or its last chunk read, after any 1xx. A response framed by the close is
 * whole when the connection ends, which the caller sees. Call {@link #close} when done.
 */
final class ResponseBytes implements AutoCloseable {

  /** Most response bytes kept: a 16 KiB head and a 64 KiB body prefix. */
  static final int MAX_BYTES = 16384 + ResponseSummary.MAX_BODY_PREFIX;

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final EmbeddedChannel framing =
      new EmbeddedChannel(new HttpResponseDecoder(new HttpDecoderConfig().setMaxHeaderSize(16384)));
  private long read;
  private boolean finalResponse;
  private boolean whole;

  /**
   * Takes note of {@code b} (which stays the caller's); true once the response is whole or {@link
   * #MAX_BYTES} have been kept.
   */
  boolean add(ByteBuf b) {
    read += b.readableBytes();
    int room = MAX_BYTES - kept.size();
    if (room > 0) {
      byte[] part = new byte[Math.min(room, b.readableBytes())];
      b.getBytes(b.readerIndex(), part);
      kept.writeBytes(part);
    }
    if (!whole && framing.isOpen()) {
      framing.writeInbound(b.retainedDuplicate());
      for (Object m; (m = framing.readInbound()) != null; ) {
        if (m instanceof HttpObject o && o.decoderResult().isFailure()) {
          // Not HTTP after all: no framing; the close or the caller's timers end it.
          ReferenceCountUtil.release(m);
          framing.finishAndReleaseAll();
          break;
        }
        if (m instanceof HttpResponse r) {
          finalResponse = r.status().codeClass() != HttpStatusClass.INFORMATIONAL;
        }
        if (m instanceof LastHttpContent && finalResponse) {
          whole = true;
        }
        ReferenceCountUtil.release(m);
      }
    }
    return whole || kept.size() >= MAX_BYTES;
  }

  /** Whether the response is whole by its own framing. */
  boolean whole() {
    return whole;
  }

  /** All bytes read, more than kept when the response was larger. */
  long read() {
    return read;
  }

  byte[] bytes() {
    return kept.toByteArray();
  }

  Optional<ResponseSummary> summary() {
    byte[] b = kept.toByteArray();
    return ResponseSummary.parse(b, 0, b.length);
  }

  @Override
  public void close() {
    framing.finishAndReleaseAll();
  }
}
