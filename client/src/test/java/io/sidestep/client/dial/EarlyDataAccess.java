package io.sidestep.client.dial;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/** Test access to {@link EarlyData}'s package-private steps, for the relay client's tests. */
public final class EarlyDataAccess {
  private EarlyDataAccess() {}

  /** An {@link EarlyData} reading {@code inbound} now. */
  public static EarlyData started(Channel inbound) {
    EarlyData early = EarlyData.of(inbound);
    early.start();
    return early;
  }

  /** {@link EarlyData#finish} with the bytes sent early not counted. */
  public static ByteBuf finish(EarlyData early, Channel tunnel) {
    return early.finish(tunnel, n -> {});
  }
}
