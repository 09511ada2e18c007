package io.sidestep.core.netty;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

  private static Http2Settings settings() {
    return Http2Settings.defaultSettings()
        .initialWindowSize(STREAM_WINDOW)
        .maxHeaderListSize(MAX_HEADER_LIST)
        .maxConcurrentStreams(1000);
  }

  /**
   * The frame codec for one end. A graceful close (after a GOAWAY) waits for every open stream to
   * end, however long it takes, so that rotating a connection cuts no tunnel.
   */
  public static Http2FrameCodec codec(boolean server) {
    return (server ? Http2FrameCodecBuilder.forServer() : Http2FrameCodecBuilder.forClient())
        .initialSettings(settings())
        .gracefulShutdownTimeoutMillis(-1)
        // Every tunnel a browser gives up on is a reset; Netty's default (200 in 30 s) would take
        // the whole connection down with all its tunnels on a busy page.
        .decoderEnforceMaxRstFramesPerWindow(10_000, 30)
        .build();
  }

  /**
   * Opens the connection's receive window to {@link #CONNECTION_WINDOW} (a WINDOW_UPDATE for the
   * connection) once the codec has sent its preface; add it right after {@link #codec}.
   */
  public static ChannelHandler connectionWindow(Http2FrameCodec codec) {
    return new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Http2ConnectionPrefaceAndSettingsFrameWrittenEvent) {
          Http2Stream connection = codec.connection().connectionStream();
          Http2LocalFlowController flow = codec.connection().local().flowController();
          int missing = CONNECTION_WINDOW - flow.windowSize(connection);
          if (missing > 0) {
            flow.incrementWindowSize(connection, missing);
            ctx.flush();
          }
          ctx.pipeline().remove(this);
        }
        ctx.fireUserEventTriggered(evt);
      }
    };
  }
}
