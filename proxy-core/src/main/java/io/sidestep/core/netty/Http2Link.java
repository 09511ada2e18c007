package io.sidestep.core.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionDecoder;
import io.netty.handler.codec.http2.DefaultHttp2ConnectionEncoder;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.DefaultHttp2SettingsFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionPrefaceAndSettingsFrameWrittenEvent;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.netty.handler.codec.http2.Http2FrameReader;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2PromisedRequestVerifier;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AttributeKey;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The HTTP/2 settings both ends of the relay link use, sized for throughput as Chrome sizes them: 6
 * MiB per stream, and 15 MiB for the connection the client receives on. A stream's window is given
 * back only as its reader takes the bytes (tunnel streams read with {@code AUTO_READ} off), so a
 * slow reader stalls its own stream and holds at most its window. The relay opens its connection
 * window as nginx does (to 2^31 - 1), so what it holds for one connection is bounded by its
 * streams' windows: 64 KiB each for strangers, {@link #STREAM_WINDOW} for users' streams.
 */
public final class Http2Link {
  private Http2Link() {}

  /** Flow-control window of each stream: 6 MiB. */
  public static final int STREAM_WINDOW = 6 * 1024 * 1024;

  /** Flow-control window of the connection: 15 MiB. */
  public static final int CONNECTION_WINDOW = 15 * 1024 * 1024;

  /** Header block limit: 16 KiB, twice Netty's default, as much as the HTTP/1.1 path reads. */
  public static final long MAX_HEADER_LIST = 16 * 1024;

  /**
   * What the connection may queue for writing before its streams wait: 256 KiB to 512 KiB. The
   * HTTP/2 codec writes a stream's data only while the connection is writable, and each such turn
   * ends in one flush; with Netty's default (32 to 64 KiB) a bulk download took one system call per
   * 64 KiB where a tunnel of its own reads and writes 256 KiB at once.
   */
  public static final WriteBufferWaterMark WRITE_BUFFER =
      new WriteBufferWaterMark(256 * 1024, 512 * 1024);

  /**
   * Sets up {@code connection}, the TLS connection under the codec: it reads freely (each stream
   * holds back its own window instead) and queues up to {@link #WRITE_BUFFER}.
   */
  public static void connection(Channel connection) {
    connection.config().setWriteBufferWaterMark(WRITE_BUFFER);
    connection.config().setAutoRead(true);
  }

  /**
   * Streams one connection may have open at once: {@value}. Every tunnel of a user is a stream on
   * one connection, and an idle tunnel costs a stream little (its window is credit, not memory), so
   * this is far above what a browser opens; beyond it the client cannot open a tunnel.
   */
  public static final int MAX_STREAMS = 100_000;

  /** Streams a relay's first SETTINGS allow, as nginx's do: {@value}. */
  public static final int FIRST_STREAMS = 128;

  /**
   * What the relay sends first, to anyone: nginx 1.22's SETTINGS, in its order
   * (MAX_CONCURRENT_STREAMS 128, INITIAL_WINDOW_SIZE 65536, MAX_FRAME_SIZE 16777215), so that an
   * HTTP/2 client without credentials sees what an nginx web site sends. A user's connection gets
   * {@link #userSettings} once a request of theirs was let in (see {@link #admitted}).
   */
  private static Http2Settings serverSettings() {
    return new Http2Settings()
        .maxConcurrentStreams(FIRST_STREAMS)
        .initialWindowSize(65536)
        .maxFrameSize(Http2CodecUtil.MAX_FRAME_SIZE_UPPER_BOUND)
        // Not sent (see unannouncedHeaderList): only how much of a header list the codec decodes.
        .maxHeaderListSize(STRANGER_HEADER_LIST);
  }

  /**
   * How large a header list a relay's codec decodes before a user's request was let in: {@value}
   * bytes, counted as HTTP/2 counts them (32 more per field). nginx allows 32 KiB of names and
   * values and ends the connection past that; the relay's own check does the same (in the server's
   * request-head handler), so the codec must let such a list through to it. Netty's default, 8 KiB,
   * answered a 10 KB header with 431 where nginx serves the page.
   */
  public static final long STRANGER_HEADER_LIST = 128 * 1024;

  /**
   * Takes MAX_HEADER_LIST_SIZE out of the first SETTINGS frame a relay's codec writes, so that the
   * frame is nginx's, which announces no such limit; the codec still applies {@link
   * #STRANGER_HEADER_LIST} to what it reads. Add it before the codec; it leaves after that frame.
   */
  public static ChannelHandler unannouncedHeaderList() {
    return new io.netty.channel.ChannelOutboundHandlerAdapter() {
      @Override
      public void write(ChannelHandlerContext ctx, Object msg, io.netty.channel.ChannelPromise p) {
        if (msg instanceof io.netty.buffer.ByteBuf b
            && b.readableBytes() >= 9
            && b.getByte(b.readerIndex() + 3) == 4 // SETTINGS
            && (b.getByte(b.readerIndex() + 4) & 1) == 0) { // not an ACK
          ctx.pipeline().remove(this);
          int at = b.readerIndex();
          int length = b.getUnsignedMedium(at);
          io.netty.buffer.ByteBuf out = ctx.alloc().buffer(b.readableBytes());
          out.writeBytes(b, at, 9);
          for (int i = at + 9; i + 6 <= at + 9 + length; i += 6) {
            if (b.getUnsignedShort(i) != Http2CodecUtil.SETTINGS_MAX_HEADER_LIST_SIZE) {
              out.writeBytes(b, i, 6);
            }
          }
          out.setMedium(0, out.readableBytes() - 9);
          b.release();
          ctx.write(out, p);
          return;
        }
        ctx.write(msg, p);
      }
    };
  }

  /**
   * The settings a relay sends on a connection once a user's request on it was let in: the relay
   * link's stream window ({@link #STREAM_WINDOW}), {@link #MAX_STREAMS} streams, and header lists
   * up to {@link #MAX_HEADER_LIST} ({@link #STRANGER_HEADER_LIST} holds until then, unannounced, as
   * nginx announces none). A client applies them on arrival, so tunnels already open get the larger
   * window too (RFC 9113 §6.9.2).
   */
  static Http2Settings userSettings() {
    return new Http2Settings()
        .maxConcurrentStreams(MAX_STREAMS)
        .initialWindowSize(STREAM_WINDOW)
        .maxHeaderListSize(MAX_HEADER_LIST);
  }

  private static final AttributeKey<Boolean> ADMITTED =
      AttributeKey.valueOf("sidestep.h2.admitted");

  /**
   * Marks {@code connection} (a relay's HTTP/2 connection) as a user's and sends it {@link
   * #USER_SETTINGS}, the first time only. Call it on the connection's event loop.
   */
  public static void admitted(Channel connection) {
    if (connection.attr(ADMITTED).setIfAbsent(Boolean.TRUE) == null) {
      connection.writeAndFlush(new DefaultHttp2SettingsFrame(userSettings()));
    }
  }

  /** Whether a user's request was let in on {@code connection} (see {@link #admitted}). */
  public static boolean isAdmitted(Channel connection) {
    return connection.hasAttr(ADMITTED);
  }

  /**
   * What Chrome sends, in its order: HEADER_TABLE_SIZE 65536, ENABLE_PUSH 0, INITIAL_WINDOW_SIZE 6
   * MiB, MAX_HEADER_LIST_SIZE 256 KiB, and nothing else (so frames stay at most 16 KiB both ways).
   */
  private static Http2Settings clientSettings() {
    return new Http2Settings()
        .headerTableSize(65536)
        .pushEnabled(false)
        .initialWindowSize(STREAM_WINDOW)
        .maxHeaderListSize(256 * 1024);
  }

  /**
   * The frame codec for one end; a client's SETTINGS are Chrome's. A graceful close (after a
   * GOAWAY) waits for every open stream to end, however long it takes, so that rotating a
   * connection cuts no tunnel.
   */
  public static Http2FrameCodec codec(boolean server) {
    Http2FrameCodec codec = codecBuilder(server);
    if (!server) {
      // Until the relay says otherwise, a client keeps to the relay's first limit: streams opened
      // before the relay's SETTINGS arrive wait for room rather than being refused past it.
      codec.connection().local().maxActiveStreams(FIRST_STREAMS);
    }
    return codec;
  }

  /**
   * Closes {@code connection} now, with every stream on it (after a GOAWAY), rather than when its
   * last stream ends as a graceful close would: for a user who was removed, went over a limit or
   * whose key was revoked. A connection without HTTP/2 just closes.
   */
  public static io.netty.channel.ChannelFuture closeNow(io.netty.channel.Channel connection) {
    Http2FrameCodec codec = connection.pipeline().get(Http2FrameCodec.class);
    if (codec != null) {
      codec.gracefulShutdownTimeoutMillis(0);
    }
    return connection.close();
  }

  private static Http2FrameCodec codecBuilder(boolean server) {
    if (server) {
      return new RelayCodecBuilder().buildRelay();
    }
    return Http2FrameCodecBuilder.forClient()
        .initialSettings(clientSettings())
        // A client may open streams before the relay's USER_SETTINGS lift its first limit (128):
        // those past it wait for room instead of failing.
        .encoderEnforceMaxConcurrentStreams(true)
        .gracefulShutdownTimeoutMillis(-1)
        .decoderEnforceMaxRstFramesPerWindow(RESETS_PER_WINDOW, RESET_WINDOW_SECONDS)
        .build();
  }

  // Every tunnel a browser gives up on is a reset; Netty's default (200 in 30 s) would take the
  // whole connection down with all its tunnels on a busy page.
  private static final int RESETS_PER_WINDOW = 10_000;
  private static final int RESET_WINDOW_SECONDS = 30;

  /**
   * A relay's codec, built from its parts so that its header blocks are nginx's ({@link
   * NginxHpack}); Netty's builder takes no encoder of one's own otherwise. The parts are those the
   * builder makes, with these differences: Netty's checks of request header lists are off, as the
   * relay reads them as nginx does in its own handler on each stream (Netty's answer otherwise,
   * which a prober would see), and {@link EndedBodyReader} is between the frame reader and the
   * decoder for the same reason; and {@link EncoderLimits} stands in for the builder's limits on
   * what the codec writes.
   */
  private static final class RelayCodecBuilder extends Http2FrameCodecBuilder {
    Http2FrameCodec buildRelay() {
      Http2Settings settings = serverSettings();
      DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
      DefaultHttp2FrameReader frames =
          new DefaultHttp2FrameReader(
              new DefaultHttp2HeadersDecoder(false, settings.maxHeaderListSize(), -1),
              decoderEnforceMaxSmallContinuationFrames());
      try {
        // Frames as large as the relay's SETTINGS allow are read at once, as nginx reads them;
        // Netty's reader would take them only once the client has acknowledged those SETTINGS.
        // (A stranger's frame is held whole only up to 64 KiB; see the server's StrangerFrames.)
        frames.maxFrameSize(settings.maxFrameSize());
      } catch (Http2Exception e) {
        throw new IllegalStateException(e);
      }
      Http2FrameReader reader = new EndedBodyReader(frames, connection);
      Http2ConnectionEncoder encoder =
          new EncoderLimits(
              new DefaultHttp2ConnectionEncoder(
                  connection, new DefaultHttp2FrameWriter(new NginxHpack())));
      Http2ConnectionDecoder decoder =
          new DefaultHttp2ConnectionDecoder(
              connection,
              encoder,
              reader,
              Http2PromisedRequestVerifier.ALWAYS_VERIFY,
              true, // acknowledge SETTINGS
              true, // answer PINGs
              false, // no header checks of Netty's
              false);
      // The limit on resets read must be set before the parts are given (though it applies to
      // them).
      decoderEnforceMaxRstFramesPerWindow(RESETS_PER_WINDOW, RESET_WINDOW_SECONDS);
      return codec(decoder, encoder)
          .initialSettings(settings)
          .gracefulShutdownTimeoutMillis(-1)
          .build();
    }
  }

  private static final AttributeKey<Set<Integer>> ENDED_WITH_BODY =
      AttributeKey.valueOf("sidestep.h2.endedWithBody");

  /**
   * Whether the request on {@code stream} of {@code connection} (a relay's) declared a body, with a
   * Content-Length other than 0, in a HEADERS frame that also ended it. The relay's frame reader
   * takes such a Content-Length out before Netty's decoder sees it (see {@link EndedBodyReader}),
   * so that the request's own reader can answer as nginx does; it asks here. Call it once per
   * stream, on the connection's event loop.
   */
  public static boolean declaredBodyButEnded(Channel connection, int stream) {
    Set<Integer> streams = connection.attr(ENDED_WITH_BODY).get();
    return streams != null && streams.remove(stream);
  }

  /**
   * Takes the Content-Length out of a request's HEADERS that end its stream and declare a body, and
   * notes the stream for {@link #declaredBodyButEnded}. Netty's decoder checks a declared
   * Content-Length against the DATA that came, always, and resets such a stream (PROTOCOL_ERROR)
   * before any handler sees it; nginx answers 400, so a prober could tell the relay by one request.
   */
  private static final class EndedBodyReader implements Http2FrameReader {
    private final Http2FrameReader reader;
    private final Http2Connection connection;
    private Http2FrameListener listener;
    private Http2FrameListener decorated;

    EndedBodyReader(Http2FrameReader reader, Http2Connection connection) {
      this.reader = reader;
      this.connection = connection;
    }

    @Override
    public void readFrame(ChannelHandlerContext ctx, ByteBuf input, Http2FrameListener l)
        throws Http2Exception {
      if (l != listener) {
        listener = l;
        decorated =
            new Http2FrameListenerDecorator(l) {
              @Override
              public void onHeadersRead(
                  ChannelHandlerContext ctx,
                  int stream,
                  Http2Headers headers,
                  int padding,
                  boolean end)
                  throws Http2Exception {
                check(ctx, stream, headers, end);
                super.onHeadersRead(ctx, stream, headers, padding, end);
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
                  boolean end)
                  throws Http2Exception {
                check(ctx, stream, headers, end);
                super.onHeadersRead(
                    ctx, stream, headers, dependency, weight, exclusive, padding, end);
              }
            };
      }
      reader.readFrame(ctx, input, decorated);
    }

    /** Only a request's first HEADERS: on a stream the connection does not have yet. */
    private void check(ChannelHandlerContext ctx, int stream, Http2Headers headers, boolean end) {
      if (!end || connection.stream(stream) != null) {
        return;
      }
      List<CharSequence> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
      if (lengths.isEmpty() || lengths.stream().allMatch(Http2Link::onlyZeros)) {
        return;
      }
      headers.remove(HttpHeaderNames.CONTENT_LENGTH);
      Set<Integer> streams = ctx.channel().attr(ENDED_WITH_BODY).get();
      if (streams == null) {
        streams = new HashSet<>();
        ctx.channel().attr(ENDED_WITH_BODY).set(streams);
      }
      streams.add(stream);
    }

    @Override
    public Configuration configuration() {
      return reader.configuration();
    }

    @Override
    public void close() {
      reader.close();
    }
  }

  /** Whether a Content-Length's {@code value} is one or more zeros: no body, as nginx reads it. */
  public static boolean onlyZeros(CharSequence value) {
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) != '0') {
        return false;
      }
    }
    return value.length() > 0;
  }

  /**
   * Opens the connection's receive window once the codec has sent its preface; add it right after
   * {@link #codec}. A client opens it to {@link #CONNECTION_WINDOW} with one WINDOW_UPDATE of
   * 15663105, as Chrome does, where the codec by itself would send twice the stream window's growth
   * (12451842): the connection's update ratio is held near zero until then, so the codec's own
   * growth writes nothing, and restoring it writes the whole growth at once. A relay opens it to
   * 2^31 - 1, with nginx's WINDOW_UPDATE of 2147418112.
   *
   * <p>On a client the handler stays, to keep the DATA frames it writes at 16 KiB, as Chrome's are,
   * whatever frame size the relay allows (nginx's settings allow 16 MiB): a relay reads a frame
   * whole before passing any of it on.
   */
  public static ChannelHandler connectionWindow(Http2FrameCodec codec) {
    boolean server = codec.connection().isServer();
    return new ChannelInboundHandlerAdapter() {
      private Float ratio; // the connection's update ratio while it is held, on a client

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (server) {
          // A relay adds the codec once TLS is up: the codec's handlerAdded has sent its SETTINGS.
          open(ctx);
          ctx.pipeline().remove(this);
        } else if (codec.connection().local().flowController()
            instanceof DefaultHttp2LocalFlowController flow) {
          Http2Stream connection = codec.connection().connectionStream();
          ratio = flow.windowUpdateRatio(connection);
          flow.windowUpdateRatio(connection, 0.001f);
        }
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Http2ConnectionPrefaceAndSettingsFrameWrittenEvent) {
          open(ctx);
        }
        ctx.fireUserEventTriggered(evt);
      }

      private void open(ChannelHandlerContext ctx) throws Exception {
        Http2Stream connection = codec.connection().connectionStream();
        Http2LocalFlowController flow = codec.connection().local().flowController();
        long target = server ? Integer.MAX_VALUE : CONNECTION_WINDOW;
        long missing = target - flow.initialWindowSize(connection);
        if (missing > 0) {
          flow.incrementWindowSize(connection, (int) missing);
        }
        if (ratio != null) {
          ((DefaultHttp2LocalFlowController) flow).windowUpdateRatio(connection, ratio);
        }
        ctx.flush();
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof Http2SettingsFrame) {
          // The codec has applied the peer's settings by now, its MAX_FRAME_SIZE with them.
          codec
              .encoder()
              .configuration()
              .frameSizePolicy()
              .maxFrameSize(Http2CodecUtil.DEFAULT_MAX_FRAME_SIZE);
        }
        ctx.fireChannelRead(msg);
      }
    };
  }

  /**
   * Lets one {@code read()} on a stream with {@code AUTO_READ} off take up to 16 queued frames
   * instead of one, so that a tunnel moves a batch per round trip between its two channels; the
   * stream's window still bounds what is queued. Only once the tunnel's reader took over (see
   * {@link StreamBytes#HALF_CLOSURE}); until then a read takes one frame.
   */
  public static void readInBatches(Channel stream) {
    stream
        .config()
        .setRecvByteBufAllocator(
            new DefaultMaxMessagesRecvByteBufAllocator(16) {
              @Override
              public Handle newHandle() {
                return new MaxMessageHandle() {
                  private int messages;

                  @Override
                  public int guess() {
                    return 1024;
                  }

                  @Override
                  public void reset(ChannelConfig config) {
                    super.reset(config);
                    messages = 0;
                  }

                  @Override
                  public void readComplete() {
                    // Frames that arrive while a read is pending skip reset(): a batch ends here.
                    super.readComplete();
                    messages = 0;
                  }

                  @Override
                  public boolean continueReading() {
                    // Asked once per message delivered. Only a tunnel's own reader (one that
                    // takes END_STREAM as a half-close) gets batches; before it, one at a time.
                    return Boolean.TRUE.equals(stream.attr(StreamBytes.HALF_CLOSURE).get())
                        && ++messages < 16;
                  }
                };
              }
            });
  }
}
