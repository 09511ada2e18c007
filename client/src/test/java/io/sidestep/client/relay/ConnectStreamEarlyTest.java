package io.sidestep.client.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.concurrent.Promise;
import io.sidestep.client.dial.EarlyData;
import io.sidestep.client.dial.EarlyDataAccess;
import io.sidestep.core.netty.StreamBytes;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The fast open on the stream: the user's first bytes go out as DATA right behind the CONNECT's
 * HEADERS, before the relay has answered, and the answer then completes the tunnel as usual.
 */
class ConnectStreamEarlyTest {

  private static final AccessKey KEY =
      new AccessKey("alice", "token", Destination.of("relay.example", 443), Optional.empty(), "r");

  @Test
  void theUsersFirstBytesFollowTheConnectBeforeTheAnswer() {
    EmbeddedChannel user = new EmbeddedChannel();
    user.config().setOption(ChannelOption.AUTO_READ, false);
    EarlyData early = EarlyDataAccess.started(user);
    user.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));

    EmbeddedChannel stream = new EmbeddedChannel();
    Promise<Channel> promise = stream.eventLoop().newPromise();
    stream
        .pipeline()
        .addLast(StreamBytes.NAME, new StreamBytes())
        .addLast(new ConnectStream(KEY, Destination.of("site.example", 443), promise, early));
    stream.pipeline().fireChannelActive();

    Http2HeadersFrame connect = stream.readOutbound();
    assertThat(connect.headers().method().toString()).isEqualTo("CONNECT");
    assertThat(connect.isEndStream()).isFalse();
    Http2DataFrame data = stream.readOutbound();
    assertThat(data.content().toString(StandardCharsets.US_ASCII))
        .isEqualTo("GET / HTTP/1.1\r\n\r\n");
    data.release();
    assertThat(promise.isDone()).as("sent before any answer").isFalse();

    user.writeInbound(Unpooled.copiedBuffer("more", StandardCharsets.US_ASCII));
    Http2DataFrame more = stream.readOutbound();
    assertThat(more.content().toString(StandardCharsets.US_ASCII)).isEqualTo("more");
    more.release();

    stream.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    assertThat(promise.isSuccess()).isTrue();
    ByteBuf unsent = EarlyDataAccess.finish(early, stream);
    assertThat(unsent).as("the tunnel had every early byte").isNull();
    stream.finishAndReleaseAll();
    user.finishAndReleaseAll();
  }
}
