package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.sidestep.core.netty.Http2Link;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Hands a stranger's HTTP/2 frames to the codec one by one, and treats the few that Netty's codec
 * and nginx 1.22 read differently as nginx does, so that a prober cannot tell the relay by them:
 *
 * <ul>
 *   <li>DATA, RST_STREAM or WINDOW_UPDATE on a stream the relay does not have open (idle, closed,
 *       or never the client's) is ignored. Netty ends the connection for an idle stream, and
 *       answers DATA on a closed one with RST_STREAM. So is DATA on a stream whose request has
 *       ended (nginx has answered it by then), and an empty DATA frame that does not end its
 *       stream, which Netty counts towards a flood of them.
 *   <li>HEADERS on a client stream at or below the last one opened (a stream id going down, or
 *       trailers), PRIORITY that makes a stream depend on itself, and WINDOW_UPDATE of 0 on a
 *       stream, end the connection with PROTOCOL_ERROR. Netty resets just that stream for these.
 *   <li>SETTINGS are read entry by entry as they come, as nginx reads them, and reach the codec as
 *       one frame of what nginx would keep ({@link #readSettings}): the last value named for each
 *       setting HTTP/2 defines, up to the first value nginx refuses. So a SETTINGS frame of any
 *       length is read in a few bytes of memory, and settings nginx 1.22 does not know (such as
 *       ENABLE_CONNECT_PROTOCOL, whose values Netty checks) are dropped, as nginx ignores them.
 *   <li>A frame that declares more than {@link #MAX} bytes never reaches the codec whole (see
 *       {@link #large}). The relay allows frames of 16 MiB, as nginx does, and the codec reads a
 *       frame whole before it looks at it: without this, each stranger's connection could make the
 *       relay hold 16 MiB, 4 GiB for the 256 connections one address may have. 64 KiB is a
 *       stranger's whole stream window, so no DATA frame above it is allowed anyway.
 * </ul>
 *
 * <p>Sits between TLS and the codec. A user's connection ({@link Http2Link#admitted}) is left
 * alone: the handler passes what it holds and leaves the pipeline. Bytes that do not open with
 * HTTP/2's preface are left to the codec, which refuses them.
 */
final class StrangerFrames extends ChannelInboundHandlerAdapter {

  /** The largest frame payload a stranger may declare: {@value} bytes. */
  static final int MAX = 64 * 1024;

  /** How long a connection about to end waits for its requests' answers. */
  static final java.time.Duration ANSWER_WAIT = java.time.Duration.ofSeconds(5);

  private static final int HEAD = 9;
  private static final int DATA = 0;
  private static final int HEADERS = 1;
  private static final int PRIORITY = 2;
  private static final int RST_STREAM = 3;
  private static final int SETTINGS = 4;
  private static final int PUSH_PROMISE = 5;
  private static final int PING = 6;
  private static final int GOAWAY = 7;
  private static final int WINDOW_UPDATE = 8;
  private static final int CONTINUATION = 9;
  private static final int PADDED = 0x8;
  private static final int END_STREAM = 0x1;
  private static final int PRIORITY_FLAG = 0x20;
  private static final int ACK = 0x1;

  /** The settings RFC 9113 defines and nginx 1.22 knows: 1 to {@value}. */
  private static final int MAX_SETTING = 6;

  private static final int SETTING = 6; // bytes per entry
  private static final int ENABLE_PUSH = 2;
  private static final int INITIAL_WINDOW_SIZE = 4;
  private static final int MAX_FRAME_SIZE = 5;
  private static final int GOAWAY_SIZE = 8; // a GOAWAY's last stream and error code

  /** What an HTTP/2 client sends first; anything else is the codec's to refuse. */
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private final Http2FrameCodec codec;
  private int prefaceRead;
  private ByteBuf held; // the start of a frame not yet whole
  private int lastStream; // the highest client stream opened with HEADERS
  private long skip; // bytes of a long frame still to drop as they come
  private long settingsLeft = -1; // bytes of a SETTINGS frame's entries still to read; -1: none
  private final long[] settings = new long[MAX_SETTING + 1]; // by id; -1: not named yet
  private boolean ended;

  StrangerFrames(Http2FrameCodec codec) {
    this.codec = codec;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (ended) {
      in.release();
      return;
    }
    ByteBuf buf =
        held == null ? in : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, in);
    held = null;
    if (Http2Link.isAdmitted(ctx.channel()) && atFrameStart()) {
      leave(ctx, buf);
      return;
    }
    if (prefaceRead < PREFACE.length) {
      int n = Math.min(PREFACE.length - prefaceRead, buf.readableBytes());
      for (int i = 0; i < n; i++) {
        if (buf.getByte(buf.readerIndex() + i) != PREFACE[prefaceRead + i]) {
          leave(ctx, buf); // no HTTP/2 preface: the codec answers that
          return;
        }
      }
      prefaceRead += n;
      ctx.fireChannelRead(buf.readRetainedSlice(n));
    }
    while (true) {
      if (settingsLeft >= 0) {
        if (!readSettings(ctx, buf)) {
          buf.release();
          ended = true;
          return;
        }
        if (settingsLeft >= 0) {
          break; // the rest of its entries is still to come
        }
        if (Http2Link.isAdmitted(ctx.channel())) {
          leave(ctx, buf);
          return;
        }
      }
      if (skip > 0) {
        int n = (int) Math.min(skip, buf.readableBytes());
        buf.skipBytes(n);
        skip -= n;
        if (skip > 0) {
          break;
        }
      }
      if (buf.readableBytes() < HEAD) {
        break;
      }
      int at = buf.readerIndex();
      int length = buf.getUnsignedMedium(at);
      int type = buf.getUnsignedByte(at + 3);
      int flags = buf.getUnsignedByte(at + 4);
      int stream = buf.getInt(at + 5) & 0x7fffffff;
      // nginx takes a SETTINGS frame for an ACK only if its flags are ACK alone.
      if (type == SETTINGS && stream == 0 && flags != ACK && length % SETTING == 0) {
        buf.skipBytes(HEAD);
        settingsLeft = length;
        Arrays.fill(settings, -1);
        continue;
      }
      if (length > MAX) {
        Next next = large(ctx, buf, length, type, stream);
        if (next == Next.STOP) {
          return;
        }
        if (next == Next.WAIT) {
          break;
        }
        continue;
      }
      if (buf.readableBytes() < HEAD + length) {
        break;
      }
      switch (verdict(buf, at, length, type, flags, stream)) {
        case PASS -> {
          ctx.fireChannelRead(buf.readRetainedSlice(HEAD + length));
          if (Http2Link.isAdmitted(ctx.channel())) {
            leave(ctx, buf); // the frames after a user's request (fast open's first bytes)
            return;
          }
        }
        case IGNORE -> buf.skipBytes(HEAD + length);
        case END -> {
          buf.release();
          ended = true;
          endWhenAnswered(ctx, Http2Error.PROTOCOL_ERROR, type, stream);
          return;
        }
      }
    }
    if (buf.isReadable()) {
      held = buf;
    } else {
      buf.release();
    }
  }

  private enum Verdict {
    PASS,
    IGNORE,
    END
  }

  private Verdict verdict(ByteBuf buf, int at, int length, int type, int flags, int stream) {
    if (stream == 0) {
      return Verdict.PASS;
    }
    int payload = at + HEAD;
    switch (type) {
      case HEADERS:
        if (stream % 2 == 1) {
          int dependency = payload + ((flags & PADDED) != 0 ? 1 : 0);
          if (stream <= lastStream
              || ((flags & PRIORITY_FLAG) != 0
                  && length >= dependency - payload + 5
                  && (buf.getInt(dependency) & 0x7fffffff) == stream)) {
            return Verdict.END;
          }
          lastStream = stream;
        }
        return Verdict.PASS;
      case PRIORITY:
        return length == 5 && (buf.getInt(payload) & 0x7fffffff) == stream
            ? Verdict.END
            : Verdict.PASS;
      case WINDOW_UPDATE:
        if (length != 4) {
          return Verdict.PASS;
        }
        if ((buf.getInt(payload) & 0x7fffffff) == 0) {
          return Verdict.END;
        }
        return known(stream) ? Verdict.PASS : Verdict.IGNORE;
      case RST_STREAM:
        return length != 4 || known(stream) ? Verdict.PASS : Verdict.IGNORE;
      case DATA:
        if ((flags & PADDED) != 0 && (length == 0 || buf.getUnsignedByte(payload) >= length)) {
          return Verdict.PASS; // the codec refuses the padding, as nginx does
        }
        if (length == 0 && (flags & END_STREAM) == 0) {
          return Verdict.IGNORE; // carries nothing, and Netty would count it towards a flood
        }
        Http2Stream s = codec.connection().stream(stream);
        // A stream whose request has ended is one nginx has answered by now (it answers as it
        // reads), and forgotten; Netty would reset it (STREAM_CLOSED) before the answer.
        return s == null || s.state() == Http2Stream.State.HALF_CLOSED_REMOTE
            ? Verdict.IGNORE
            : Verdict.PASS;
      default:
        return Verdict.PASS;
    }
  }

  /**
   * Ends the connection with {@code code}, as nginx does for a frame it reads as an error, once the
   * requests before that frame are answered: nginx answers them as it reads them, before it reads
   * the bad frame. Nothing after the frame is read. A request still open after {@link #ANSWER_WAIT}
   * does not hold the connection longer.
   */
  private void endWhenAnswered(ChannelHandlerContext ctx, Http2Error code, int type, int stream) {
    Http2Exception error =
        Http2Exception.connectionError(
            code, "frame type %d on stream %d, as nginx reads it", type, stream);
    boolean[] done = {false};
    Runnable end =
        () -> {
          if (done[0]) {
            return;
          }
          done[0] = true;
          ChannelHandlerContext at = ctx.pipeline().context(codec);
          if (at != null) {
            codec.onError(at, false, error);
          } else {
            ctx.close();
          }
        };
    if (answered()) {
      end.run();
      return;
    }
    codec
        .connection()
        .addListener(
            new Http2ConnectionAdapter() {
              @Override
              public void onStreamHalfClosed(Http2Stream s) {
                if (answered()) {
                  end.run();
                }
              }

              @Override
              public void onStreamClosed(Http2Stream s) {
                if (answered()) {
                  end.run();
                }
              }
            });
    ctx.executor().schedule(end, ANSWER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Reads the entries of a SETTINGS frame that {@code buf} holds, as nginx 1.22 reads them one by
   * one, and once the frame is read hands the codec one frame of what it kept: for each setting
   * from 1 to {@value #MAX_SETTING}, the last value named (Netty and nginx both keep the last).
   * Settings nginx does not know are dropped. A value nginx refuses (ENABLE_PUSH over 1, an
   * INITIAL_WINDOW_SIZE over 2^31-1, a MAX_FRAME_SIZE outside 2^14 to 2^24-1) goes to the codec at
   * once with what was kept before it: the codec refuses it as nginx does, with the same error, and
   * nothing after it is read. Returns whether to read on.
   */
  private boolean readSettings(ChannelHandlerContext ctx, ByteBuf buf) {
    while (settingsLeft > 0 && buf.readableBytes() >= SETTING) {
      int id = buf.readUnsignedShort();
      long value = buf.readUnsignedInt();
      settingsLeft -= SETTING;
      if (id < 1 || id > MAX_SETTING) {
        continue;
      }
      settings[id] = value;
      boolean refused =
          switch (id) {
            case ENABLE_PUSH -> value > 1;
            case INITIAL_WINDOW_SIZE -> value > Integer.MAX_VALUE;
            case MAX_FRAME_SIZE -> value < 1 << 14 || value > (1 << 24) - 1;
            default -> false;
          };
      if (refused) {
        settingsLeft = -1;
        ctx.fireChannelRead(settingsFrame(ctx));
        return false;
      }
    }
    if (settingsLeft == 0) {
      settingsLeft = -1;
      ctx.fireChannelRead(settingsFrame(ctx));
    }
    return true;
  }

  /** A SETTINGS frame of what {@link #readSettings} kept. */
  private ByteBuf settingsFrame(ChannelHandlerContext ctx) {
    int n = 0;
    for (long v : settings) {
      n += v >= 0 ? 1 : 0;
    }
    ByteBuf frame = ctx.alloc().buffer(HEAD + n * SETTING);
    frame.writeMedium(n * SETTING).writeByte(SETTINGS).writeByte(0).writeInt(0);
    for (int id = 1; id <= MAX_SETTING; id++) {
      if (settings[id] >= 0) {
        frame.writeShort(id).writeInt((int) settings[id]);
      }
    }
    return frame;
  }

  /** Whether every request the codec took has had its whole answer written. */
  private boolean answered() {
    try {
      return codec
              .connection()
              .forEachActiveStream(s -> s.state() == Http2Stream.State.HALF_CLOSED_LOCAL)
          == null;
    } catch (Http2Exception e) {
      return true;
    }
  }

  /**
   * A frame that declares more than {@link #MAX} bytes, at the reader index of {@code buf}, is not
   * held whole, and is answered as nginx answers it. DATA, and frames of a type HTTP/2 does not
   * define, are dropped as they come: nginx has answered a stranger's request, from its static
   * site, before its body comes, and forgotten the stream. A header block this long holds a field
   * or a list over nginx's limits (ENHANCE_YOUR_CALM). A PING, PRIORITY, RST_STREAM or
   * WINDOW_UPDATE frame this long ends the connection with FRAME_SIZE_ERROR. A SETTINGS frame this
   * long that {@link #readSettings} does not read, and a PUSH_PROMISE, are refused for their head.
   * A GOAWAY reaches the codec without its debug data.
   */
  private Next large(ChannelHandlerContext ctx, ByteBuf buf, int length, int type, int stream) {
    switch (type) {
      case HEADERS, CONTINUATION -> {
        buf.release();
        ended = true;
        if (type == HEADERS && stream % 2 == 1 && stream > lastStream) {
          lastStream = stream;
        }
        endWhenAnswered(ctx, Http2Error.ENHANCE_YOUR_CALM, type, stream);
        return Next.STOP;
      }
      case PRIORITY, RST_STREAM, PING, WINDOW_UPDATE -> {
        // Frames of a fixed size, 4 to 8 bytes: nginx ends the connection with FRAME_SIZE_ERROR.
        // (The codec reads frames as long as the relay's SETTINGS allow at once, as nginx does,
        // so it would wait for the rest of this one.)
        buf.release();
        ended = true;
        endWhenAnswered(ctx, Http2Error.FRAME_SIZE_ERROR, type, stream);
        return Next.STOP;
      }
      case SETTINGS -> {
        // One that is refused for its head (on a stream, an ACK with entries, a length that is
        // not of whole entries; the rest are read by readSettings), which nginx refuses before
        // its payload comes. The codec refuses the same head over a short payload of zeros.
        ByteBuf f = standIn(ctx, buf, length % SETTING != 0 ? length % SETTING : SETTING, 0);
        buf.release();
        ended = true;
        ctx.fireChannelRead(f);
        return Next.STOP;
      }
      case PUSH_PROMISE -> {
        // A client may not push: nginx refuses one at its head with PROTOCOL_ERROR, as the codec
        // refuses a short one.
        ByteBuf f = standIn(ctx, buf, 4, 0);
        buf.release();
        ended = true;
        ctx.fireChannelRead(f);
        return Next.STOP;
      }
      case GOAWAY -> {
        // nginx reads the last stream and the error code, and skips the debug data after them:
        // the codec gets the frame without its debug data, which is dropped as it comes.
        if (buf.readableBytes() < HEAD + GOAWAY_SIZE) {
          return Next.WAIT;
        }
        ByteBuf f = standIn(ctx, buf, GOAWAY_SIZE, GOAWAY_SIZE);
        buf.skipBytes(HEAD + GOAWAY_SIZE);
        skip = length - GOAWAY_SIZE;
        ctx.fireChannelRead(f);
        return Next.READ_ON;
      }
      default -> {
        skip = HEAD + (long) length;
        return Next.READ_ON;
      }
    }
  }

  /** What the loop over frames does after {@link #large}. */
  private enum Next {
    READ_ON,
    WAIT, // for more of the frame's bytes
    STOP
  }

  /**
   * A short frame in place of the long one at the reader index of {@code buf}: its type, flags and
   * stream, {@code length} bytes of payload, the first {@code kept} of them the long frame's, the
   * rest zeros.
   */
  private static ByteBuf standIn(ChannelHandlerContext ctx, ByteBuf buf, int length, int kept) {
    int at = buf.readerIndex();
    ByteBuf f = ctx.alloc().buffer(HEAD + length);
    f.writeMedium(length);
    f.writeBytes(buf, at + 3, HEAD - 3);
    f.writeBytes(buf, at + HEAD, kept);
    f.writeZero(length - kept);
    return f;
  }

  /** Whether the next byte read starts a frame (none is being read or dropped as it comes). */
  private boolean atFrameStart() {
    return settingsLeft < 0 && skip == 0;
  }

  /** The highest client stream a HEADERS frame opened, as nginx counts it. */
  int lastStream() {
    return lastStream;
  }

  /** Whether the codec has {@code stream} open (or half-closed). */
  private boolean known(int stream) {
    return codec.connection().stream(stream) != null;
  }

  /** Passes {@code rest} on and leaves the pipeline. */
  private void leave(ChannelHandlerContext ctx, ByteBuf rest) {
    ctx.pipeline().remove(this);
    if (rest.isReadable()) {
      ctx.fireChannelRead(rest);
    } else {
      rest.release();
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (held != null) {
      held.release();
      held = null;
    }
  }
}
