package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sidestep.core.dns.DnsOverHttps;
import java.io.ByteArrayOutputStream;

/**
 * The body of the request being read: discarded (at most {@value #MAX_DISCARD} bytes, nginx's
 * {@code client_max_body_size}, beyond which the answer is 413) or collected (at most {@link
 * DnsOverHttps#MAX_MESSAGE} bytes, beyond which the answer is 413). Does not take ownership of the
 * buffers it is shown.
 */
final class RequestBody {

  /** The largest request body the decoy swallows before it answers 413. */
  static final int MAX_DISCARD = 1 << 20;

  /** What the body reader should do after a chunk. */
  enum Verdict {
    /** Read on. */
    MORE,
    /** The body has ended within its limit. */
    DONE,
    /** A body ran past its limit: answer 413. */
    TOO_LARGE
  }

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private boolean collect;
  private long length;

  /** Starts a new body, to be collected or discarded. */
  void reset(boolean collect) {
    this.collect = collect;
    this.bytes.reset();
    this.length = 0;
  }

  /** Counts (and, when collecting, keeps) {@code chunk}; {@code last} when it ends the body. */
  Verdict add(ByteBuf chunk, boolean last) {
    length += chunk.readableBytes();
    if (collect && length <= DnsOverHttps.MAX_MESSAGE) {
      bytes.writeBytes(ByteBufUtil.getBytes(chunk));
    }
    if (length > (collect ? DnsOverHttps.MAX_MESSAGE : MAX_DISCARD)) {
      return Verdict.TOO_LARGE;
    }
    return last ? Verdict.DONE : Verdict.MORE;
  }

  /** The collected bytes. */
  byte[] collected() {
    return bytes.toByteArray();
  }
}
