package io.sidestep.core.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.DefaultMaxMessagesRecvByteBufAllocator;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.DefaultHttp2LocalFlowController;
import io.netty.handler.codec.http2.Http2ConnectionPrefaceAndSettingsFrameWrittenEvent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2LocalFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;

/**
 * The HTTP/2 settings both ends of the relay link use, sized for throughput as Chrome sizes them: 6
 * MiB per stream and 15 MiB for the connection. A stream's window is given back only as its reader
 * takes the bytes (tunnel streams read with {@code AUTO_READ} off), so a slow reader stalls its own
 * stream and holds at most its window; the connection holds at most its own window in all.
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

  private static Http2Settings serverSettings() {
    return Http2Settings.defaultSettings()
        .initialWindowSize(STREAM_WINDOW)
        .maxHeaderListSize(MAX_HEADER_LIST)
        .maxConcurrentStreams(MAX_STREAMS);
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
    return codecBuilder(server);
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
    return (server ? Http2FrameCodecBuilder.forServer() : Http2FrameCodecBuilder.forClient())
        .initialSettings(server ? serverSettings() : clientSettings())
        .gracefulShutdownTimeoutMillis(-1)
        // Every tunnel a browser gives up on is a reset; Netty's default (200 in 30 s) would take
        // the whole connection down with all its tunnels on a busy page.
        .decoderEnforceMaxRstFramesPerWindow(10_000, 30)
        .build();
  }

  /**
   * Opens the connection's receive window to {@link #CONNECTION_WINDOW} once the codec has sent its
   * preface; add it right after {@link #codec}. A client sends one WINDOW_UPDATE of 15663105, as
   * Chrome does, where the codec by itself would send twice the stream window's growth (12451842):
   * the connection's update ratio is held near zero until then, so the codec's own growth writes
   * nothing, and restoring it writes the whole growth at once.
   */
  public static ChannelHandler connectionWindow(Http2FrameCodec codec) {
    return new ChannelInboundHandlerAdapter() {
      private Float ratio; // the connection's update ratio while it is held, on a client

      @Override
      public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (!codec.connection().isServer()
            && codec.connection().local().flowController()
                instanceof DefaultHttp2LocalFlowController flow) {
          Http2Stream connection = codec.connection().connectionStream();
          ratio = flow.windowUpdateRatio(connection);
          flow.windowUpdateRatio(connection, 0.001f);
        }
      }

      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Http2ConnectionPrefaceAndSettingsFrameWrittenEvent) {
          Http2Stream connection = codec.connection().connectionStream();
          Http2LocalFlowController flow = codec.connection().local().flowController();
          int missing = CONNECTION_WINDOW - flow.initialWindowSize(connection);
          if (missing > 0) {
            flow.incrementWindowSize(connection, missing);
          }
          if (ratio != null) {
            ((DefaultHttp2LocalFlowController) flow).windowUpdateRatio(connection, ratio);
          }
          ctx.flush();
          ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
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
