package io.sidestep.core.relay;

import io.sidestep.core.route.Destination;
import java.util.OptionalInt;

/**
 * The relay's speed sample: a user's {@code CONNECT speed-sample.invalid:K} is not dialled but
 * answered with {@code K} KiB of random bytes and then the close. The client measures how fast that
 * arrives, the relay link's rate now, to tell a throttled site from a slow line. It goes through a
 * tunnel on purpose: the rate measured is the rate a relayed connection gets. The name is under
 * {@code .invalid}, which never resolves (RFC 6761), so no real destination is shadowed; to anyone
 * without credentials the relay answers it as it answers any CONNECT, with its decoy site.
 */
public final class SpeedSample {

  /** The reserved destination name. */
  public static final String HOST = "speed-sample.invalid";

  /** Largest sample: 4 MiB, enough to measure tens of megabytes a second, cheap for the relay. */
  public static final int MAX_KIB = 4096;

  private SpeedSample() {}

  /** The destination that asks for {@code kib} KiB. */
  public static Destination destination(int kib) {
    if (kib < 1 || kib > MAX_KIB) {
      throw new IllegalArgumentException(
          "speed sample: " + kib + " KiB (expected: 1.." + MAX_KIB + ")");
    }
    return Destination.of(HOST, kib);
  }

  /** Whether {@code d} names the speed sample (of any size, valid or not). */
  public static boolean is(Destination d) {
    return HOST.equals(d.host());
  }

  /** The size asked for, or empty when {@code d} is not a valid speed-sample request. */
  public static OptionalInt kib(Destination d) {
    return is(d) && d.port() >= 1 && d.port() <= MAX_KIB
        ? OptionalInt.of(d.port())
        : OptionalInt.empty();
  }
}
