package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.MessageToMessageEncoder;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.sidestep.core.netty.Http2Link;
import java.util.List;

/**
 * Decides by ALPN, once TLS is up, what a connection speaks. {@code h2} replaces the HTTP/1.1
 * handlers with an HTTP/2 codec and one stream channel per request; every stream gets the same
 * {@link FrontHandler} an HTTP/1.1 connection has, behind a stream-to-HTTP/1 message codec, so
 * credentials, CONNECT, DNS-over-HTTPS and the decoy site are decided in one place. Anything else
 * ({@code http/1.1}, no ALPN) keeps the HTTP/1.1 pipeline as it is.
 *
 * <p>The connection itself reads freely; each stream reads only as its tunnel moves bytes (with
 * {@code AUTO_READ} off), which holds back that stream's HTTP/2 window and nothing else.
 */
public final class Http2Front extends ChannelInboundHandlerAdapter {

  /** The name this handler has in a pipeline. */
  public static final String NAME = "alpn";

  /**
   * The name of the handler on a request stream that makes the bytes written to it (a file's
   * chunks) HTTP contents for the stream's codec.
   */
  public static final String CONTENTS = "h2-contents";

  /**
   * The name of a request stream's HTTP/2-frames-to-HTTP/1-messages codec ({@link H2RequestHead}).
   */
  public static final String STREAM_CODEC = "h2-http";

  /** The HTTP/1.1 handlers an h2 connection does without. */
  private static final String[] HTTP1 = {
    "recorder", "guard", "http-decoder", "http-encoder", "front"
  };

  private final RelayContext rc;

  public Http2Front(RelayContext rc) {
    this.rc = rc;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
      SslHandler tls = ctx.pipeline().get(SslHandler.class);
      ChannelPipeline p = ctx.pipeline();
      if (tls != null && ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
        for (String name : HTTP1) {
          if (p.get(name) != null) {
            p.remove(name);
          }
        }
        Http2FrameCodec codec = Http2Link.codec(true);
        StrangerFrames frames = new StrangerFrames(codec);
        p.addAfter(NAME, "h2-frames", frames)
            .addAfter(
                "h2-frames", "h2-goaway", new NginxGoAway(codec.connection(), frames::lastStream))
            .addAfter("h2-goaway", "h2-settings", Http2Link.unannouncedHeaderList())
            .addAfter("h2-settings", "h2", codec)
            .addAfter("h2", "h2-streams", new Http2MultiplexHandler(new Streams(rc)))
            .addAfter("h2-streams", "h2-errors", Errors.INSTANCE)
            // Sends nginx's WINDOW_UPDATE after the codec's SETTINGS, then leaves.
            .addAfter("h2", "h2-window", Http2Link.connectionWindow(codec));
        Http2Link.connection(ctx.channel());
      }
      p.remove(this);
    }
    ctx.fireUserEventTriggered(evt);
  }

  /** One request stream: HTTP/1 messages to and from the same front handler as HTTP/1.1 uses. */
  private static final class Streams extends ChannelInitializer<Channel> {
    private final RelayContext rc;

    Streams(RelayContext rc) {
      this.rc = rc;
    }

    @Override
    protected void initChannel(Channel ch) {
      ch.config().setAutoRead(false);
      Http2Link.readInBatches(ch);
      ch.pipeline()
          .addLast(STREAM_CODEC, new H2RequestHead())
          .addLast(CONTENTS, new Contents())
          .addLast("front", new FrontHandler(rc));
    }
  }

  /**
   * The end of an HTTP/2 connection's pipeline: the codec has answered a connection error (GOAWAY,
   * then the close) before passing it on, so it is only logged, at debug level. Left to Netty's
   * pipeline tail, every stranger who sent HTTP/1 bytes after choosing h2 wrote a warning with a
   * stack trace to the log.
   */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class Errors extends ChannelInboundHandlerAdapter {
    static final Errors INSTANCE = new Errors();
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Http2Front.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug(
          "HTTP/2 connection error: {}",
          io.sidestep.core.net.Printable.escape(String.valueOf(cause.getMessage())));
    }
  }

  /** Bytes written to a request stream, as HTTP contents. */
  private static final class Contents extends MessageToMessageEncoder<ByteBuf> {
    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, List<Object> out) {
      out.add(new DefaultHttpContent(msg.retain()));
    }
  }
}
