package io.sidestep.server.probe;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * HTTP/2 for probes: a client's first flight (preface, SETTINGS, requests), and a server's answer
 * as a list of frames a person can read and compare. Header blocks are compared decoded, as an
 * HTTP/2 client sees them, and by the form of HPACK's bytes too (see {@link #hpackForm}); the Date
 * header's value is masked. Frames of each stream are listed after the connection's own frames,
 * stream by stream, so that two servers answering streams in another order still compare equal.
 */
public final class H2Frames {
  private H2Frames() {}

  /** One request: its header list, pseudo-headers first, in order. */
  public static String[] request(String... namesAndValues) {
    return namesAndValues;
  }

  /** A GET for {@code path} as a browser sends it, with {@code more} headers (names and values). */
  public static String[] get(String path, String... more) {
    return method("GET", path, more);
  }

  /** A request with {@code method} for {@code path}, as {@link #get} makes one. */
  public static String[] method(String method, String path, String... more) {
    String[] r = {
      ":method", method, ":authority", "example.com", ":scheme", "https", ":path", path
    };
    String[] all = java.util.Arrays.copyOf(r, r.length + more.length);
    System.arraycopy(more, 0, all, r.length, more.length);
    return all;
  }

  /**
   * The connection preface, an empty SETTINGS frame, and each request as a HEADERS frame with
   * END_STREAM on streams 1, 3, 5... (and CONTINUATION frames past 16 KiB).
   */
  public static byte[] flight(String[]... requests) {
    ByteBuf out = Unpooled.buffer();
    out.writeBytes(Http2CodecUtil.connectionPrefaceBuf());
    frameHead(out, 0, 4, 0, 0);
    DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    int stream = 1;
    for (String[] r : requests) {
      Http2Headers h = new DefaultHttp2Headers(false);
      for (int i = 0; i < r.length; i += 2) {
        h.add(r[i], r[i + 1]);
      }
      ByteBuf block = Unpooled.buffer();
      try {
        hpack.encodeHeaders(stream, h, block);
      } catch (Http2Exception e) {
        throw new IllegalArgumentException(e);
      }
      // As a client does, in frames of at most 16 KiB: HEADERS, then CONTINUATION frames.
      int type = 1;
      int flags = 0x1;
      do {
        int n = Math.min(block.readableBytes(), Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE);
        boolean last = n == block.readableBytes();
        frameHead(out, n, type, flags | (last ? 0x4 : 0), stream);
        out.writeBytes(block, n);
        type = 9;
        flags = 0;
      } while (block.isReadable());
      block.release();
      stream += 2;
    }
    byte[] b = ByteBufUtil.getBytes(out);
    out.release();
    return b;
  }

  /**
   * A HEADERS frame of its own on {@code stream}, with {@code flags} (END_STREAM 0x1, END_HEADERS
   * 0x4). Each field is a literal that is never indexed, so the block leaves the server's dynamic
   * table as it was.
   */
  public static byte[] headers(int stream, int flags, String... namesAndValues) {
    Http2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      h.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    ByteBuf block = Unpooled.buffer();
    try {
      new DefaultHttp2HeadersEncoder((name, value) -> true).encodeHeaders(stream, h, block);
    } catch (Http2Exception e) {
      throw new IllegalArgumentException(e);
    }
    byte[] b = frame(1, flags, stream, ByteBufUtil.getBytes(block));
    block.release();
    return b;
  }

  /** One frame of any kind: a 9-byte head and {@code payload}. */
  public static byte[] frame(int type, int flags, int stream, byte[] payload) {
    ByteBuf out = Unpooled.buffer();
    frameHead(out, payload.length, type, flags, stream);
    out.writeBytes(payload);
    byte[] b = ByteBufUtil.getBytes(out);
    out.release();
    return b;
  }

  private static void frameHead(ByteBuf out, int length, int type, int flags, int stream) {
    out.writeMedium(length).writeByte(type).writeByte(flags).writeInt(stream);
  }

  /**
   * The frames in {@code bytes}, one per line: the connection's, then each stream's, and then, when
   * there are several streams, the order in which their first frames came. Anything that is not a
   * whole frame ends the list.
   */
  public static String describe(byte[] bytes) {
    List<String> connection = new ArrayList<>();
    Map<Integer, List<String>> streams = new TreeMap<>();
    List<Integer> order = new ArrayList<>(); // the streams, as their first frames came
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    Map<Integer, java.util.Deque<String>> blocks = hpackForms(in);
    DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader(false);
    Http2FrameAdapter listener =
        new Http2FrameAdapter() {
          private List<String> of(int stream) {
            return streams.computeIfAbsent(
                stream,
                s -> {
                  order.add(s);
                  return new ArrayList<>();
                });
          }

          @Override
          public int onDataRead(
              ChannelHandlerContext ctx, int stream, ByteBuf data, int padding, boolean end) {
            of(stream)
                .add(
                    "DATA "
                        + (end ? "END_STREAM " : "")
                        + data.readableBytes()
                        + " bytes: "
                        + data.toString(StandardCharsets.ISO_8859_1));
            return data.readableBytes() + padding;
          }

          @Override
          public void onHeadersRead(
              ChannelHandlerContext ctx,
              int stream,
              Http2Headers headers,
              int padding,
              boolean end) {
            List<String> list = new ArrayList<>();
            for (Map.Entry<CharSequence, CharSequence> h : headers) {
              list.add(
                  h.getKey()
                      + ": "
                      + ("date".contentEquals(h.getKey()) ? "(masked)" : h.getValue().toString()));
            }
            of(stream)
                .add(
                    "HEADERS "
                        + (end ? "END_STREAM " : "")
                        + list
                        + " hpack "
                        + blocks.get(stream).poll());
          }

          @Override
          public void onHeadersRead(
              ChannelHandlerContext ctx,
              int stream,
              Http2Headers headers,
              int dependency,
              short weight,
              boolean exclusive,
              int padding,
              boolean end) {
            onHeadersRead(ctx, stream, headers, padding, end);
          }

          @Override
          public void onRstStreamRead(ChannelHandlerContext ctx, int stream, long error) {
            of(stream).add("RST_STREAM " + error);
          }

          @Override
          public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            Map<Integer, Long> byNumber = new TreeMap<>();
            settings.forEach((id, value) -> byNumber.put((int) id, value));
            connection.add("SETTINGS " + byNumber);
          }

          @Override
          public void onSettingsAckRead(ChannelHandlerContext ctx) {
            connection.add("SETTINGS ACK");
          }

          @Override
          public void onPingRead(ChannelHandlerContext ctx, long data) {
            connection.add("PING " + data);
          }

          @Override
          public void onPingAckRead(ChannelHandlerContext ctx, long data) {
            connection.add("PING ACK " + data);
          }

          @Override
          public void onGoAwayRead(
              ChannelHandlerContext ctx, int last, long error, ByteBuf debugData) {
            connection.add(
                "GOAWAY last "
                    + last
                    + " error "
                    + error
                    + " debug '"
                    + debugData.toString(StandardCharsets.ISO_8859_1)
                    + "'");
          }

          @Override
          public void onWindowUpdateRead(ChannelHandlerContext ctx, int stream, int increment) {
            (stream == 0 ? connection : of(stream)).add("WINDOW_UPDATE " + increment);
          }
        };
    // The reader takes a context for its buffers only.
    io.netty.channel.embedded.EmbeddedChannel channel =
        new io.netty.channel.embedded.EmbeddedChannel(
            new io.netty.channel.ChannelHandlerAdapter() {});
    ChannelHandlerContext ctx = channel.pipeline().firstContext();
    try {
      while (in.readableBytes() >= 9
          && in.readableBytes() >= 9 + in.getUnsignedMedium(in.readerIndex())) {
        int before = in.readerIndex();
        reader.readFrame(ctx, in, listener);
        if (in.readerIndex() == before) {
          break;
        }
      }
    } catch (Http2Exception e) {
      connection.add("unreadable frame: " + e.getMessage());
    }
    StringBuilder b = new StringBuilder();
    connection.forEach(s -> b.append(s).append('\n'));
    streams.forEach(
        (id, list) -> list.forEach(s -> b.append(id).append(' ').append(s).append('\n')));
    if (order.size() > 1) {
      b.append("streams in the order they came: ").append(order).append('\n');
    }
    if (in.isReadable()) {
      b.append("and ").append(in.readableBytes()).append(" bytes more\n");
    }
    reader.close();
    channel.finishAndReleaseAll();
    return b.toString();
  }

  /** The {@link #hpackForm} of each header block in {@code in}, stream by stream, in order. */
  private static Map<Integer, java.util.Deque<String>> hpackForms(ByteBuf in) {
    Map<Integer, java.util.Deque<String>> forms = new java.util.HashMap<>();
    ByteBuf block = Unpooled.buffer(); // a block so far, over HEADERS and CONTINUATION frames
    int at = in.readerIndex();
    while (in.writerIndex() - at >= 9 && in.writerIndex() - at >= 9 + in.getUnsignedMedium(at)) {
      int head = at;
      int length = in.getUnsignedMedium(head);
      int type = in.getUnsignedByte(head + 3);
      int flags = in.getUnsignedByte(head + 4);
      int from = head + 9;
      int to = from + length;
      at = to;
      if (type != 1 && type != 9) {
        continue;
      }
      if (type == 1 && (flags & 0x8) != 0) { // PADDED
        to -= in.getUnsignedByte(from) + 1;
        from++;
      }
      if (type == 1 && (flags & 0x20) != 0) { // PRIORITY
        from += 5;
      }
      if (from <= to) {
        block.writeBytes(in, from, to - from);
      }
      if ((flags & 0x4) != 0) { // END_HEADERS
        int stream = in.getInt(head + 5) & Integer.MAX_VALUE;
        forms.computeIfAbsent(stream, s -> new java.util.ArrayDeque<>()).add(hpackForm(block));
        block.clear();
      }
    }
    block.release();
    return forms;
  }

  /**
   * How a header block is written, field by field, without the strings themselves (RFC 7541 §6):
   * {@code i8} for field 8 of a table, {@code +54:H4} for a literal with incremental indexing of
   * name 54 and a Huffman-coded value of 4 bytes ({@code R} for a raw one), {@code 0:new R4 H3} for
   * a literal without indexing with a new name ({@code never:} if never indexed), {@code size0} for
   * a dynamic table size update. The lengths of Date's value (name 33) and Location's (46) are
   * masked: one holds the time, the other the server's port, which differ between two servers.
   */
  static String hpackForm(ByteBuf block) {
    List<String> form = new ArrayList<>();
    int i = block.readerIndex();
    int end = block.writerIndex();
    try {
      while (i < end) {
        int b = block.getUnsignedByte(i);
        int[] n;
        if ((b & 0x80) != 0) {
          n = integer(block, i, 7);
          form.add("i" + n[0]);
          i = n[1];
          continue;
        }
        if ((b & 0xE0) == 0x20) {
          n = integer(block, i, 5);
          form.add("size" + n[0]);
          i = n[1];
          continue;
        }
        String kind = (b & 0x40) != 0 ? "+" : (b & 0x10) != 0 ? "never:" : "0:";
        n = integer(block, i, (b & 0x40) != 0 ? 6 : 4);
        i = n[1];
        StringBuilder f = new StringBuilder(kind);
        if (n[0] == 0) {
          int[] name = string(block, i);
          f.append("new ").append(name[2] == 1 ? 'H' : 'R').append(name[0]).append(' ');
          i = name[1];
        } else {
          f.append(n[0]).append(':');
        }
        int[] value = string(block, i);
        boolean masked = n[0] == 33 || n[0] == 46; // date, location
        f.append(value[2] == 1 ? 'H' : 'R').append(masked ? "*" : String.valueOf(value[0]));
        i = value[1];
        form.add(f.toString());
      }
    } catch (IndexOutOfBoundsException e) {
      form.add("(cut short)");
    }
    return form.toString();
  }

  /** A string literal's length, where it ends, and 1 if Huffman-coded. */
  private static int[] string(ByteBuf block, int at) {
    int[] n = integer(block, at, 7);
    if (n[1] + n[0] > block.writerIndex()) {
      throw new IndexOutOfBoundsException();
    }
    return new int[] {n[0], n[1] + n[0], block.getUnsignedByte(at) >> 7};
  }

  /** An HPACK integer with a {@code prefix}-bit prefix at {@code at}, and where it ends. */
  private static int[] integer(ByteBuf block, int at, int prefix) {
    int max = (1 << prefix) - 1;
    int value = block.getUnsignedByte(at) & max;
    at++;
    if (value == max) {
      int shift = 0;
      int b;
      do {
        b = block.getUnsignedByte(at++);
        value += (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0 && shift < 28);
    }
    return new int[] {value, at};
  }
}
