package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.sidestep.core.dns.DnsOverHttps;
import java.io.ByteArrayOutputStream;

/**
 * The body of the request being read: discarded (at most {@value #MAX_DISCARD} bytes, beyond which
 * the connection is given up) or collected (at most {@link DnsOverHttps#MAX_MESSAGE} bytes, beyond
 * which the answer is 413). Does not take ownership of the buffers it is shown.
 */
final class RequestBody {

  /** The largest request body the decoy swallows before it gives up on the connection. */
  static final int MAX_DISCARD = 64 * 1024;

  /** What the body reader should do after a chunk. */
  enum Verdict {
    /** Read on. */
    MORE,
    /** The body has ended within its limit. */
    DONE,
    /** A discarded body ran past its limit: close the connection. */
    DISCARD_LIMIT,
    /** A collected body ran past its limit: answer 413. */
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
    if (!collect && length > MAX_DISCARD) {
      return Verdict.DISCARD_LIMIT;
    }
    if (collect && length > DnsOverHttps.MAX_MESSAGE) {
      return Verdict.TOO_LARGE;
    }
    return last ? Verdict.DONE : Verdict.MORE;
  }

  /** The collected bytes. */
  byte[] collected() {
    return bytes.toByteArray();
  }
}
