package io.sidestep.core.rules.internal;

import io.sidestep.core.net.Cidr;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * IP-CIDR and IP-CIDR6 entries: one hash map per prefix length, so a lookup costs one probe per
 * prefix length in use (at most 33 for IPv4, 129 for IPv6), whatever the number of blocks.
 */
final class IpTable {
  private record V6(long hi, long lo) {}

  private final int[] v4Lengths;
  private final Map<Integer, int[]>[] v4;
  private final int[] v6Lengths;
  private final Map<V6, int[]>[] v6;

  @SuppressWarnings("unchecked")
  IpTable(Map<Cidr, int[]> blocks) {
    TreeMap<Integer, Map<Integer, int[]>> four = new TreeMap<>();
    TreeMap<Integer, Map<V6, int[]>> six = new TreeMap<>();
    for (Map.Entry<Cidr, int[]> e : blocks.entrySet()) {
      Cidr c = e.getKey();
      byte[] a = c.network().getAddress();
      if (a.length == 4) {
        four.computeIfAbsent(c.prefixLength(), k -> new HashMap<>())
            .merge(v4Key(a, c.prefixLength()), e.getValue(), Ints::union);
      } else {
        six.computeIfAbsent(c.prefixLength(), k -> new HashMap<>())
            .merge(v6Key(a, c.prefixLength()), e.getValue(), Ints::union);
      }
    }
    v4Lengths = four.keySet().stream().mapToInt(Integer::intValue).toArray();
    v4 = four.values().toArray(new Map[0]);
    v6Lengths = six.keySet().stream().mapToInt(Integer::intValue).toArray();
    v6 = six.values().toArray(new Map[0]);
  }

  boolean isEmpty() {
    return v4Lengths.length == 0 && v6Lengths.length == 0;
  }

  /** The smallest entry above {@code after} whose block contains {@code address}, or NONE. */
  int lookup(InetAddress address, int after) {
    byte[] a = address.getAddress();
    int best = Ints.NONE;
    if (address instanceof Inet4Address) {
      for (int i = 0; i < v4Lengths.length; i++) {
        int v = Ints.firstAbove(v4[i].get(v4Key(a, v4Lengths[i])), after);
        if (v < best) {
          best = v;
        }
      }
    } else {
      for (int i = 0; i < v6Lengths.length; i++) {
        int v = Ints.firstAbove(v6[i].get(v6Key(a, v6Lengths[i])), after);
        if (v < best) {
          best = v;
        }
      }
    }
    return best;
  }

  private static int v4Key(byte[] a, int len) {
    int x = ((a[0] & 0xff) << 24) | ((a[1] & 0xff) << 16) | ((a[2] & 0xff) << 8) | (a[3] & 0xff);
    return len == 0 ? 0 : x & (int) (0xffffffffL << (32 - len));
  }

  private static V6 v6Key(byte[] a, int len) {
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 8; i++) {
      hi = (hi << 8) | (a[i] & 0xff);
      lo = (lo << 8) | (a[i + 8] & 0xff);
    }
    if (len <= 64) {
      hi = len == 0 ? 0 : hi & (-1L << (64 - len));
      lo = 0;
    } else {
      lo = lo & (-1L << (128 - len));
    }
    return new V6(hi, lo);
  }
}
