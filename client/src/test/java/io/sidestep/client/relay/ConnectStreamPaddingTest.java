package io.sidestep.client.relay;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.netty.FirstFlightPadding;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Padding is negotiated per HTTP/2 CONNECT stream: the client offers it on every CONNECT and pads
 * only when the relay's 200 offers it too, so a relay without padding gets an unpadded tunnel.
 */
class ConnectStreamPaddingTest {

  private static final AccessKey KEY =
      new AccessKey("alice", "token", Destination.of("relay.example", 443), Optional.empty(), "r");

  private static void start(EmbeddedChannel ch, Promise<Channel> promise) {
    ch.pipeline()
        .addLast(
            new ConnectStream(
                KEY, Destination.of("site.example", 443), promise, null, new AtomicBoolean()));
    ch.pipeline().fireChannelActive();
  }

  private static Http2HeadersFrame offered(EmbeddedChannel ch) {
    Http2HeadersFrame connect = ch.readOutbound();
    assertThat(connect.headers().method().toString()).isEqualTo("CONNECT");
    assertThat(connect.headers().get(ConnectStream.PADDING).toString()).matches("~{16,32}");
    return connect;
  }

  @Test
  void aRelayThatOffersPaddingGetsPaddedFirstFlights() {
    EmbeddedChannel ch = new EmbeddedChannel();
    Promise<Channel> promise = ch.eventLoop().newPromise();
    start(ch, promise);
    offered(ch);
    ch.writeInbound(
        new DefaultHttp2HeadersFrame(
            new DefaultHttp2Headers()
                .status("200")
                .set(ConnectStream.PADDING, "~~~~~~~~~~~~~~~~")));
    assertThat(promise.isSuccess()).isTrue();
    assertThat(ch.pipeline().get(FirstFlightPadding.class)).isNotNull();
    ch.finishAndReleaseAll();
  }

  @Test
  void aRelayWithoutPaddingGetsAnUnpaddedTunnel() {
    EmbeddedChannel ch = new EmbeddedChannel();
    Promise<Channel> promise = ch.eventLoop().newPromise();
    start(ch, promise);
    offered(ch);
    ch.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    assertThat(promise.isSuccess()).isTrue();
    assertThat(ch.pipeline().get(FirstFlightPadding.class)).isNull();
    ch.finishAndReleaseAll();
  }
}
