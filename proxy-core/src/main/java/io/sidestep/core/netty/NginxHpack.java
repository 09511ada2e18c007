package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.util.Map;

/**
 * Writes a relay's HTTP/2 header blocks byte for byte as nginx 1.22 writes its answers' (its
 * ngx_http_v2_filter_module), so that a prober who reads HPACK's bytes, not only the headers they
 * stand for, still sees nginx. Netty's own encoder differs at once: it refers back to fields its
 * dynamic table holds, and it Huffman-codes only strings of 512 bytes or more.
 *
 * <p>nginx's way, field by field (indices are those of HPACK's static table, RFC 7541 Appendix A):
 *
 * <ul>
 *   <li>The first block after the peer's SETTINGS named a header table size (as every browser's do)
 *       opens with a dynamic table size update to 0.
 *   <li>{@code :status} 200, 204, 206, 304, 400, 404 and 500 are indexed fields (indices 8 to 14).
 *       Any other status is a literal with incremental indexing of name 8, its three digits raw.
 *   <li>{@code server}, {@code date}, {@code content-type}, {@code last-modified} and {@code
 *       location} are literals with incremental indexing of their static name; {@code
 *       content-length} too, its digits always raw.
 *   <li>Every other field is a literal without indexing with a new name, the name in lowercase.
 *   <li>A string is Huffman-coded when that takes fewer bytes than it does raw.
 * </ul>
 *
 * nginx indexes fields but never refers back to its table, which it has just told the peer is
 * empty; this encoder keeps no table either, so what it writes depends on the headers alone.
 */
public final class NginxHpack implements Http2HeadersEncoder, Http2HeadersEncoder.Configuration {

  private static final int STATUS = 8;
  private static final int CONTENT_LENGTH = 28;
  private static final int CONTENT_TYPE = 31;
  private static final int DATE = 33;
  private static final int LAST_MODIFIED = 44;
  private static final int LOCATION = 46;
  private static final int SERVER = 54;

  private static final Map<String, Integer> INDEXED_NAMES =
      Map.of(
          "server", SERVER,
          "date", DATE,
          "content-type", CONTENT_TYPE,
          "content-length", CONTENT_LENGTH,
          "last-modified", LAST_MODIFIED,
          "location", LOCATION);

  /** The statuses the static table holds whole, at indices 8 to 14. */
  private static final String[] INDEXED_STATUS = {"200", "204", "206", "304", "400", "404", "500"};

  private boolean tableUpdate;
  private long maxHeaderTableSize = 4096;
  private long maxHeaderListSize = Long.MAX_VALUE;

  @Override
  public void encodeHeaders(int streamId, Http2Headers headers, ByteBuf out) {
    if (tableUpdate) {
      out.writeByte(0x20);
      tableUpdate = false;
    }
    for (Map.Entry<CharSequence, CharSequence> field : headers) {
      String name = field.getKey().toString();
      CharSequence value = field.getValue();
      if (name.equals(":status")) {
        status(value, out);
        continue;
      }
      Integer index = INDEXED_NAMES.get(name);
      if (index == null) {
        out.writeByte(0);
        string(name, true, out);
        string(value, false, out);
      } else {
        out.writeByte(0x40 | index);
        if (index == CONTENT_LENGTH) {
          raw(value, out);
        } else {
          string(value, false, out);
        }
      }
    }
  }

  private static void status(CharSequence value, ByteBuf out) {
    for (int i = 0; i < INDEXED_STATUS.length; i++) {
      if (INDEXED_STATUS[i].contentEquals(value)) {
        out.writeByte(0x80 | (STATUS + i));
        return;
      }
    }
    out.writeByte(0x40 | STATUS);
    raw(value, out);
  }

  private static void raw(CharSequence s, ByteBuf out) {
    integer(0, 7, s.length(), out);
    for (int i = 0; i < s.length(); i++) {
      out.writeByte(s.charAt(i));
    }
  }

  /**
   * A string literal, Huffman-coded when that is shorter, its letters lowercase if {@code lower}.
   */
  private static void string(CharSequence s, boolean lower, ByteBuf out) {
    long bits = 0;
    for (int i = 0; i < s.length(); i++) {
      bits += Huffman.LENGTHS[octet(s, i, lower)];
    }
    int coded = (int) ((bits + 7) / 8);
    if (coded >= s.length()) {
      integer(0, 7, s.length(), out);
      for (int i = 0; i < s.length(); i++) {
        out.writeByte(octet(s, i, lower));
      }
      return;
    }
    integer(0x80, 7, coded, out);
    long buffer = 0; // bits not yet written, at its low end
    int pending = 0;
    for (int i = 0; i < s.length(); i++) {
      int symbol = octet(s, i, lower);
      buffer = (buffer << Huffman.LENGTHS[symbol]) | Huffman.CODES[symbol];
      pending += Huffman.LENGTHS[symbol];
      while (pending >= 8) {
        pending -= 8;
        out.writeByte((int) (buffer >>> pending));
      }
    }
    if (pending > 0) {
      // Padded with the most significant bits of EOS, which are all ones (RFC 7541 §5.2).
      out.writeByte((int) ((buffer << (8 - pending)) | (0xFF >>> pending)));
    }
  }

  private static int octet(CharSequence s, int i, boolean lower) {
    int c = s.charAt(i) & 0xFF;
    return lower && c >= 'A' && c <= 'Z' ? c + 32 : c;
  }

  /** An HPACK integer (RFC 7541 §5.1) with a {@code prefix}-bit prefix, after {@code flags}. */
  private static void integer(int flags, int prefix, int value, ByteBuf out) {
    int max = (1 << prefix) - 1;
    if (value < max) {
      out.writeByte(flags | value);
      return;
    }
    out.writeByte(flags | max);
    value -= max;
    while (value >= 128) {
      out.writeByte(value % 128 + 128);
      value /= 128;
    }
    out.writeByte(value);
  }

  @Override
  public Configuration configuration() {
    return this;
  }

  /**
   * Called when the peer's SETTINGS name a header table size: the next block tells the peer the
   * table is empty, as nginx's does, whatever size was named.
   */
  @Override
  public void maxHeaderTableSize(long max) {
    maxHeaderTableSize = max;
    tableUpdate = true;
  }

  @Override
  public long maxHeaderTableSize() {
    return maxHeaderTableSize;
  }

  /** Kept, not enforced: nginx writes its answers whatever list size the peer allows. */
  @Override
  public void maxHeaderListSize(long max) {
    maxHeaderListSize = max;
  }

  @Override
  public long maxHeaderListSize() {
    return maxHeaderListSize;
  }

  /**
   * HPACK's Huffman code (RFC 7541 Appendix B). It is canonical: codes of one length are
   * consecutive, in the order of their symbols, and each length's first code follows the last of
   * the shorter ones. So the lengths alone define it.
   */
  static final class Huffman {
    private Huffman() {}

    /** The code's length in bits for each octet, 0 to 255, as RFC 7541 Appendix B gives it. */
    static final int[] LENGTHS = {
      13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30,
      28, 28, 28, 28, 28, 28, 28, 28, 28, 6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5,
      5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, 13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
      7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, 15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6,
      6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, 20, 22, 20, 20, 22, 22, 22, 23,
      22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23,
      24, 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22,
      23, 23, 20, 22, 22, 22, 23, 22, 22, 23, 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27,
      26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, 20, 24, 20, 21,
      22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27,
      27, 27, 27, 27, 26
    };

    /** Each octet's code, in the low {@link #LENGTHS} bits. */
    static final int[] CODES = canonical(LENGTHS);

    private static int[] canonical(int[] lengths) {
      Integer[] order = new Integer[lengths.length];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      java.util.Arrays.sort(
          order,
          java.util.Comparator.<Integer>comparingInt(s -> lengths[s]).thenComparingInt(s -> s));
      int[] codes = new int[lengths.length];
      int code = 0;
      for (int i = 0; i < order.length; i++) {
        if (i > 0) {
          code = (code + 1) << (lengths[order[i]] - lengths[order[i - 1]]);
        }
        codes[order[i]] = code;
      }
      return codes;
    }
  }
}
