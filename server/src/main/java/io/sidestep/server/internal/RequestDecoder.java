package io.sidestep.server.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;

/**
 * Netty's HTTP request decoder, which also tells whether it stands between two requests: its last
 * message was a request's end and it holds no bytes of the next one. Only then may the {@link
 * RequestGuard} in front of it read the next request of a kept-alive connection; bytes of a
 * pipelined request it already took stay with it.
 */
final class RequestDecoder extends HttpRequestDecoder {

  private boolean between = true;

  RequestDecoder(HttpDecoderConfig config) {
    super(config);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    int readable = in.readableBytes();
    int messages = out.size();
    super.decode(ctx, in, out);
    if (in.readableBytes() != readable || out.size() != messages) {
      between =
          !in.isReadable()
              && out.size() > messages
              && out.get(out.size() - 1) instanceof LastHttpContent;
    }
  }

  /** Whether the next bytes start a request, with nothing of it read yet. */
  boolean betweenRequests() {
    return between && actualReadableBytes() == 0;
  }
}
