package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads a connection's first request head as nginx does before the HTTP decoder sees it. The method
 * must be characters of {@code A-Z}, {@code _} or {@code -} followed by a space (leading empty
 * lines are allowed); anything else gets 400 and a close at once, instead of the decoder waiting
 * for a line end that garbage may never send. A line with no version is an HTTP/0.9 request: it is
 * handed on as HTTP/1.0 and the connection is marked {@link #HTTP_09}, so that the answer goes out
 * without a status line or headers, as nginx's does. The header lines are read as nginx reads them
 * too (see {@link #headers}). Once the head is complete the guard sleeps, and bytes pass it
 * untouched, until the exchange wakes it for the next request of a kept-alive connection ({@link
 * #wake}). It holds the bytes of a head itself rather than being a {@link ByteToMessageDecoder}:
 * adding and removing a decoder for every request cost about 0.7 ms a request in TokenTimingTest.
 */
public final class RequestGuard extends ChannelInboundHandlerAdapter {

  /** Set on a connection whose request is HTTP/0.9. */
  public static final AttributeKey<Boolean> HTTP_09 = AttributeKey.valueOf("sidestep.http09");

  /** Between a request line's parts (compiled once: {@code String.split} would per line). */
  private static final Pattern SPACES = Pattern.compile(" +");

  /** Header names whose odd values the decoder refuses with 400, as nginx does. */
  private static final java.util.Set<String> LEFT_TO_THE_DECODER =
      java.util.Set.of("host", "content-length", "transfer-encoding");

  private boolean awake = true; // reading a request head; asleep, bytes pass untouched
  private ByteBuf held; // the head so far, while awake
  private int methodLength;
  private boolean inTarget;
  private int scanned;
  private boolean rejected;
  private String requestLine; // once read: the request line as the decoder gets it
  private int headersFrom; // where the header lines start, from the reader index
  // Header lines: offsets from the head's start, as from << 32 | to.
  private long[] spans = new long[16];
  private String[] replaced = new String[16]; // what replaces each, or null
  private int kept;
  private String lastLine; // set by headerLine: the line as it stays, or DROPPED
  private boolean changed;
  private boolean mayHaveBody; // a Content-Length or Transfer-Encoding line in this head
  private boolean holding; // asleep, holding the bytes that came after a bodyless request
  private ChannelHandlerContext ctx;

  /** Stands for a line left out. */
  private static final String DROPPED = new String("(dropped)");

  /** Whether {@code ctx}'s connection asked in HTTP/0.9. */
  public static boolean http09(ChannelHandlerContext ctx) {
    return ctx.channel().hasAttr(HTTP_09);
  }

  /**
   * Reads the next request of a kept-alive connection as the first: called between two requests,
   * when no byte of the next one has been read.
   */
  public void wake() {
    awake = true;
    methodLength = 0;
    inTarget = false;
    scanned = 0;
    requestLine = null;
    headersFrom = 0;
    kept = 0;
    changed = false;
    mayHaveBody = false;
    if (holding) {
      holding = false;
      // The bytes pipelined behind the last request: read once the caller is done with it.
      ChannelHandlerContext c = ctx;
      c.executor()
          .execute(
              () -> {
                if (awake && held != null && !c.isRemoved()) {
                  read(c, null);
                }
              });
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (holding && msg instanceof ByteBuf bytes) {
      held = ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, bytes);
      return; // behind a pipelined request, read when the guard wakes
    }
    if (!awake || !(msg instanceof ByteBuf bytes)) {
      ctx.fireChannelRead(msg);
      return;
    }
    read(ctx, bytes);
  }

  /** Reads {@code bytes} (null: none more) after what is held, as a request head. */
  private void read(ChannelHandlerContext ctx, ByteBuf bytes) {
    if (bytes != null) {
      held =
          held == null
              ? bytes
              : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, bytes);
    }
    List<Object> out = new java.util.ArrayList<>(2);
    try {
      decode(ctx, held, out);
    } catch (RuntimeException e) {
      out.forEach(ReferenceCountUtil::release);
      throw e;
    }
    for (Object o : out) {
      ctx.fireChannelRead(o);
    }
    if ((!awake || rejected) && held != null) { // (a route may have taken it out meanwhile)
      if (holding && held.isReadable() && !rejected) {
        // Pipelined behind a request without a body: the next request, which is read as the
        // first was once the guard wakes; the decoder does not see it before.
        return;
      }
      holding = false;
      ByteBuf rest = held;
      held = null;
      if (rest.isReadable() && !rejected) {
        ctx.fireChannelRead(rest);
      } else {
        rest.release();
      }
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (awake && held != null && !ctx.channel().config().isAutoRead()) {
      ctx.read(); // the head is not all here yet
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (held != null) {
      ByteBuf rest = held;
      held = null;
      if (rest.isReadable() && ctx.channel().isActive()) {
        ctx.fireChannelRead(rest);
      } else {
        rest.release();
      }
    }
  }

  private void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (requestLine != null) {
      headers(ctx, in, out);
      return;
    }
    int start = in.readerIndex();
    for (int i = start + scanned; i < in.writerIndex(); i++) {
      if (inTarget) {
        // The rest of the line: found with ByteBuf.indexOf, not byte by byte.
        int nl = in.indexOf(i, in.writerIndex(), (byte) '\n');
        if (nl < 0) {
          break;
        }
        i = nl;
      }
      int c = in.getUnsignedByte(i);
      if (!inTarget) {
        if (methodLength == 0 && (c == '\r' || c == '\n')) {
          continue;
        }
        if (c == ' ' && methodLength > 0) {
          inTarget = true;
          continue;
        }
        methodLength++;
        if (!methodChar(c)) {
          reject(in, out, "not an HTTP method");
          return;
        }
      } else if (c == '\n') {
        String line = in.toString(start, i - start, StandardCharsets.ISO_8859_1).strip();
        String[] parts = SPACES.split(line);
        if (parts.length == 2) {
          ctx.channel().attr(HTTP_09).set(Boolean.TRUE);
          in.skipBytes(in.readableBytes()); // nginx reads nothing after an HTTP/0.9 request
          out.add(Unpooled.copiedBuffer(line + " HTTP/1.0\r\n\r\n", StandardCharsets.ISO_8859_1));
          awake = false;
          return;
        } else if (parts.length == 3) {
          String version = version(parts[2]);
          if (version == null) {
            reject(in, out, "not an HTTP version");
            return;
          }
          // The line as the decoder reads it: nginx's reading of the version, and no spaces
          // around the parts (nginx allows more than one, and after the version too).
          requestLine = parts[0] + " " + parts[1] + " " + version + "\r\n";
          headersFrom = i + 1 - start;
          scanned = headersFrom;
          headers(ctx, in, out);
          return;
        }
        awake = false; // what is left goes on to the HTTP decoder
        return;
      }
    }
    scanned = in.writerIndex() - start;
    if (scanned > RelayInitializer.MAX_INITIAL_LINE) {
      awake = false; // the decoder answers a line this long with 414
    }
  }

  /**
   * Reads the header lines after the request line as nginx does, up to the empty line that ends
   * them, and hands the decoder the head it should read:
   *
   * <ul>
   *   <li>a line that starts with a space or a tab (a folded line, obsolete since RFC 7230) gets
   *       400, where the decoder would join it to the line before;
   *   <li>a line without a colon is left out when it is one word, as nginx ignores it, and gets 400
   *       when it holds a space or a control character;
   *   <li>a NUL in a line gets 400;
   *   <li>another control character in a value (the decoder refuses any; nginx takes them) becomes
   *       byte 0xFF, which no value the decoy reads can hold either, so the request means the same
   *       to the decoy as to nginx. Host, Content-Length and Transfer-Encoding are left as they
   *       are: the decoder refuses them with 400, as nginx does.
   * </ul>
   *
   * A head whose lines need none of this goes to the decoder as it came. A head longer than the
   * decoder takes goes to it unread, for its 400.
   */
  private void headers(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    for (int i = start + scanned; i < in.writerIndex(); i++) {
      i = in.indexOf(i, in.writerIndex(), (byte) '\n');
      if (i < 0) {
        break;
      }
      int from = start + scanned;
      int to = i > from && in.getByte(i - 1) == '\r' ? i - 1 : i;
      scanned = i + 1 - start;
      if (to == from) {
        finish(ctx, in, out, start + scanned);
        return;
      }
      if (!mayHaveBody && bodyLine(in, from, to)) {
        mayHaveBody = true;
      }
      String replacement = null;
      if (!plain(in, from, to)) {
        String why = headerLine(in.toString(from, to - from, StandardCharsets.ISO_8859_1));
        if (why != null) {
          reject(in, out, why);
          return;
        }
        replacement = lastLine;
      }
      keep(from - start, to - start, replacement);
    }
    if (in.writerIndex() - start
        > RelayInitializer.MAX_HEADER_SIZE + RelayInitializer.MAX_INITIAL_LINE) {
      finish(ctx, in, out, -1);
    }
  }

  /**
   * Reads one header line that is not {@link #plain}: the reason for a 400, or null and the line as
   * it stays in {@link #lastLine}.
   */
  private String headerLine(String line) {
    char first = line.charAt(0);
    if (first == ' ' || first == '\t') {
      return "a folded header line";
    }
    if (line.indexOf('\0') >= 0) {
      return "NUL in a header line";
    }
    int colon = line.indexOf(':');
    if (colon < 0) {
      for (int k = 0; k < line.length(); k++) {
        if (line.charAt(k) <= ' ' || line.charAt(k) == 0x7f) {
          return "a header line without a colon";
        }
      }
      changed = true; // one word: nginx ignores it
      lastLine = DROPPED;
      return null;
    }
    String name = line.substring(0, colon);
    String value = line.substring(colon + 1);
    CharSequence marked = controlsMarked(name.strip().toLowerCase(java.util.Locale.ROOT), value);
    if (marked != value) {
      changed = true;
      line = name + ":" + marked;
    }
    lastLine = line;
    return null;
  }

  /** Whether a header line is a Content-Length or Transfer-Encoding line, in any case. */
  private static boolean bodyLine(ByteBuf in, int from, int to) {
    int first = in.getByte(from) | 0x20;
    if (first != 'c' && first != 't') {
      return false;
    }
    String start =
        in.toString(from, Math.min(to - from, 17), StandardCharsets.ISO_8859_1)
            .toLowerCase(java.util.Locale.ROOT);
    return start.startsWith("content-length") || start.startsWith("transfer-encoding");
  }

  /** A character nginx takes in a method: {@code A-Z}, {@code _} or {@code -}. */
  static boolean methodChar(int c) {
    return (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
  }

  /**
   * {@code value} with each control character (tab aside) and DEL as byte 0xFF, or {@code value}
   * itself when it has none: a value nginx takes and the decoder would refuse, made one that means
   * the same to the decoy, since no value it reads can hold that byte either. The values of {@code
   * name} (lowercase) Host, Content-Length and Transfer-Encoding keep their bytes, for the decoder
   * to refuse with 400, as nginx does.
   */
  static CharSequence controlsMarked(String name, CharSequence value) {
    if (LEFT_TO_THE_DECODER.contains(name)) {
      return value;
    }
    StringBuilder marked = null;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < ' ' && c != '\t') || c == 0x7f) {
        if (marked == null) {
          marked = new StringBuilder(value);
        }
        marked.setCharAt(i, (char) 0xff);
      }
    }
    return marked == null ? value : marked;
  }

  /**
   * Whether a header line needs no reading of its own: it does not start with a space or a tab, has
   * a colon, and holds no control character but tabs. Most lines are so, and are kept as offsets
   * into the bytes, with no string made of them.
   */
  private static boolean plain(ByteBuf in, int from, int to) {
    byte first = in.getByte(from);
    return first != ' '
        && first != '\t'
        && in.indexOf(from, to, (byte) ':') >= 0
        && in.forEachByte(from, to - from, PLAIN_BYTE) < 0;
  }

  /** Goes on over any byte but a control character (tab aside) or DEL. */
  private static final io.netty.util.ByteProcessor PLAIN_BYTE =
      b -> (b < 0 || b >= ' ' || b == '\t') && b != 0x7f;

  /** Notes a header line: where it is, and what replaces it (null: itself). */
  private void keep(int from, int to, String replacement) {
    if (kept == spans.length) {
      spans = java.util.Arrays.copyOf(spans, kept * 2);
      replaced = java.util.Arrays.copyOf(replaced, kept * 2);
    }
    spans[kept] = ((long) from << 32) | to;
    replaced[kept] = replacement;
    kept++;
  }

  /**
   * Hands the decoder the request line and, when a header line was changed or left out, the head as
   * read ({@code end}: where the head ends in {@code in}); otherwise the header lines as they came.
   * Then sleeps.
   */
  private void finish(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int end) {
    if (changed && end >= 0) {
      int start = in.readerIndex();
      StringBuilder head = new StringBuilder(requestLine);
      for (int k = 0; k < kept; k++) {
        String line = replaced[k];
        if (line == null) {
          int from = (int) (spans[k] >>> 32);
          int to = (int) spans[k];
          line = in.toString(start + from, to - from, StandardCharsets.ISO_8859_1);
        }
        if (line != DROPPED) {
          head.append(line).append("\r\n");
        }
      }
      head.append("\r\n");
      in.readerIndex(end);
      out.add(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
    } else {
      in.skipBytes(headersFrom);
      out.add(Unpooled.copiedBuffer(requestLine, StandardCharsets.ISO_8859_1));
      if (end >= 0) {
        // The header lines as they came, up to the empty line; what follows is not the head's.
        int lines = end - in.readerIndex();
        out.add(in.readRetainedSlice(lines));
      }
    }
    // After a request without a body, what follows is the next request, held until the guard
    // wakes for it (a tunnel's first bytes follow a CONNECT, and go on to its route). Otherwise
    // what is left goes on to the HTTP decoder.
    holding = end >= 0 && !mayHaveBody && !requestLine.startsWith("CONNECT ");
    awake = false;
  }

  /**
   * A request that failed to decode: the front handler answers it (or hands the connection to the
   * fallback server), and whatever follows is dropped here.
   */
  private void reject(ByteBuf in, List<Object> out, String why) {
    rejected = true;
    in.skipBytes(in.readableBytes());
    // A HEAD refused for a header line: nginx has read the method, and answers without a body.
    HttpMethod method =
        requestLine != null && requestLine.startsWith("HEAD ") ? HttpMethod.HEAD : HttpMethod.GET;
    DefaultFullHttpRequest bad =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/", Unpooled.EMPTY_BUFFER);
    bad.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
    out.add(bad);
  }

  /**
   * nginx's reading of a request line's version: {@code HTTP/}, in capitals, a major number that
   * does not start with 0, a dot and a minor number up to 99; null for anything else. HTTP/1 with
   * any minor number above 0 reads as {@code HTTP/1.1} ({@code HTTP/1.01} and {@code HTTP/1.10}
   * too), with minor 0 as {@code HTTP/1.0}; another major number is left as it is, for the front
   * handler's 505.
   */
  static String version(String token) {
    if (!token.startsWith("HTTP/")) {
      return null;
    }
    int dot = token.indexOf('.', 5);
    if (dot < 0
        || !digits(token, 5, dot)
        || token.charAt(5) == '0'
        || !digits(token, dot + 1, token.length())) {
      return null;
    }
    if (dot - 5 > 1 || token.charAt(5) != '1') {
      return token;
    }
    int minor = Integer.parseInt(token, dot + 1, token.length(), 10);
    if (minor > 99) {
      return null;
    }
    return minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  }

  private static boolean digits(String s, int from, int to) {
    if (to <= from || to - from > 9) {
      return false;
    }
    for (int i = from; i < to; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }
}
