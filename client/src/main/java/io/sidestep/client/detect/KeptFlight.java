package io.sidestep.client.detect;

import io.netty.buffer.ByteBuf;

/**
 * The kept first flight of an {@link Attempt}: taken once (to be sent on) or dropped, never both.
 */
final class KeptFlight {
  private ByteBuf buf;

  KeptFlight(ByteBuf buf) {
    this.buf = buf;
  }

  ByteBuf buf() {
    return buf;
  }

  ByteBuf take() {
    ByteBuf b = buf;
    buf = null;
    return b;
  }

  void drop() {
    if (buf != null) {
      buf.release();
      buf = null;
    }
  }
}
