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
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The fast open on the stream: the user's first bytes go out as DATA right behind the CONNECT's
 * HEADERS, before the relay has answered, and the answer then completes the tunnel as usual.
 */
class ConnectStreamEarlyTest {

  private static final AccessKey KEY =
      new AccessKey("alice", "token", Destination.of("relay.example", 443), Optional.empty(), "r");

  /** The user's side: a connection that reads only when asked, as a door leaves it. */
  private static EmbeddedChannel user() {
    EmbeddedChannel user = new EmbeddedChannel();
    user.config().setOption(ChannelOption.AUTO_READ, false);
    return user;
  }

  /** Sets {@code stream} up as the relay client does and sends its CONNECT. */
  private static Promise<Channel> connect(
      EmbeddedChannel stream, EarlyData early, AtomicBoolean relayPads) {
    Promise<Channel> promise = stream.eventLoop().newPromise();
    ConnectStream.install(
        stream, KEY, Destination.of("site.example", 443), promise, early, relayPads);
    stream.pipeline().fireChannelActive();
    return promise;
  }

  @Test
  void anAnswerThatEndsAtOnceWaitsWithItsEndForTheSplice() {
    System.setProperty(ConnectStream.PADDING_PROPERTY, "false");
    EmbeddedChannel stream = new EmbeddedChannel();
    try {
      Promise<Channel> promise = stream.eventLoop().newPromise();
      ConnectStream.install(
          stream, KEY, Destination.of("mail.example", 25), promise, null, new AtomicBoolean());
      stream.pipeline().fireChannelActive();
      Http2HeadersFrame connect = stream.readOutbound();
      assertThat(connect.headers().method().toString()).isEqualTo("CONNECT");
      // A server that speaks first and hangs up: its banner and the stream's end come with the 200.
      stream.writeInbound(
          new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")),
          new io.netty.handler.codec.http2.DefaultHttp2DataFrame(
              Unpooled.copiedBuffer("220 hello\r\n", StandardCharsets.US_ASCII), true));
      assertThat(promise.isSuccess()).isTrue();
      assertThat((Object) stream.readOutbound()).as("no END_STREAM of ours yet").isNull();
      // The splice comes later (its connection was moving to this thread meanwhile).
      java.util.List<Object> seen = new java.util.ArrayList<>();
      stream
          .pipeline()
          .addLast(
              new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                  seen.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                  ((ByteBuf) msg).release();
                }

                @Override
                public void userEventTriggered(
                    io.netty.channel.ChannelHandlerContext ctx, Object evt) {
                  seen.add(evt);
                }
              });
      stream.pipeline().remove(io.sidestep.core.netty.HeldBytes.NAME);
      assertThat(seen)
          .containsExactly(
              "220 hello\r\n", io.netty.channel.socket.ChannelInputShutdownEvent.INSTANCE);
    } finally {
      System.clearProperty(ConnectStream.PADDING_PROPERTY);
      stream.finishAndReleaseAll();
    }
  }

  @Test
  void withARelayThatPaddedLastTimeTheEarlyBytesGoPaddedAndItsAnswerIsTakenApart() {
    EmbeddedChannel user = user();
    EarlyData early = EarlyDataAccess.started(user);
    user.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
    AtomicBoolean relayPads = new AtomicBoolean(true);
    EmbeddedChannel stream = new EmbeddedChannel();
    Promise<Channel> promise = connect(stream, early, relayPads);

    Http2HeadersFrame connect = stream.readOutbound();
    assertThat(connect.headers().contains(ConnectStream.PADDING)).isTrue();
    Http2DataFrame data = stream.readOutbound();
    ByteBuf framed = data.content();
    assertThat(framed.readUnsignedShort()).as("payload length").isEqualTo(5);
    int padding = framed.readUnsignedByte();
    assertThat(framed.readCharSequence(5, StandardCharsets.US_ASCII).toString()).isEqualTo("hello");
    assertThat(framed.readableBytes()).as("then the padding").isEqualTo(padding);
    data.release();

    stream.writeInbound(
        new DefaultHttp2HeadersFrame(
            new DefaultHttp2Headers().status("200").set(ConnectStream.PADDING, "~~~~~~~~")));
    assertThat(promise.isSuccess()).isTrue();
    // The relay's first flight, padded: 2 bytes, then 1 byte of zeros.
    stream.writeInbound(
        new io.netty.handler.codec.http2.DefaultHttp2DataFrame(
            Unpooled.wrappedBuffer(new byte[] {0, 2, 1, 'o', 'k', 0})));
    stream.pipeline().remove(io.sidestep.core.netty.HeldBytes.NAME);
    ByteBuf answer = stream.readInbound();
    assertThat(answer.toString(StandardCharsets.US_ASCII)).isEqualTo("ok");
    answer.release();
    assertThat(relayPads).isTrue();
    assertThat(EarlyDataAccess.finish(early, stream)).isNull();
    stream.finishAndReleaseAll();
    user.finishAndReleaseAll();
  }

  @Test
  void aRelayThatDoesNotPadIsRememberedAndGetsItsEarlyBytesOnlyAfterItsAnswer() {
    EmbeddedChannel user = user();
    EarlyData early = EarlyDataAccess.started(user);
    user.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
    AtomicBoolean relayPads = new AtomicBoolean(false);
    EmbeddedChannel stream = new EmbeddedChannel();
    Promise<Channel> promise = connect(stream, early, relayPads);
    Http2HeadersFrame connect = stream.readOutbound();
    assertThat(connect.headers().contains(ConnectStream.PADDING)).as("still offered").isTrue();
    assertThat((Object) stream.readOutbound()).as("nothing before the answer").isNull();
    stream.writeInbound(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
    assertThat(promise.isSuccess()).isTrue();
    ByteBuf unsent = EarlyDataAccess.finish(early, stream);
    assertThat(unsent.toString(StandardCharsets.US_ASCII))
        .as("for the splice to send")
        .isEqualTo("hello");
    unsent.release();
    assertThat(relayPads).isFalse();
    stream.finishAndReleaseAll();
    user.finishAndReleaseAll();
  }

  @Test
  void theUsersFirstBytesFollowTheConnectBeforeTheAnswer() {
    System.setProperty(ConnectStream.PADDING_PROPERTY, "false");
    try {
      theUsersFirstBytesFollowTheConnectUnpadded();
    } finally {
      System.clearProperty(ConnectStream.PADDING_PROPERTY);
    }
  }

  private void theUsersFirstBytesFollowTheConnectUnpadded() {
    EmbeddedChannel user = user();
    EarlyData early = EarlyDataAccess.started(user);
    user.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n\r\n", StandardCharsets.US_ASCII));

    EmbeddedChannel stream = new EmbeddedChannel();
    Promise<Channel> promise = connect(stream, early, new AtomicBoolean());

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

  @Test
  void theConnectWaitsForTheUsersFirstBytesAndGoesOutWithThem() {
    System.setProperty(ConnectStream.PADDING_PROPERTY, "false");
    EmbeddedChannel user = user();
    EmbeddedChannel stream = new EmbeddedChannel();
    try {
      EarlyData early = EarlyDataAccess.started(user);
      connect(stream, early, new AtomicBoolean());
      assertThat((Object) stream.readOutbound()).as("nothing flushed yet").isNull();

      user.writeInbound(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII));
      Http2HeadersFrame connect = stream.readOutbound();
      assertThat(connect.headers().method().toString()).isEqualTo("CONNECT");
      Http2DataFrame data = stream.readOutbound();
      assertThat(data.content().toString(StandardCharsets.US_ASCII))
          .as("in the same flush")
          .isEqualTo("hello");
      data.release();
    } finally {
      System.clearProperty(ConnectStream.PADDING_PROPERTY);
      stream.finishAndReleaseAll();
      user.finishAndReleaseAll();
    }
  }

  @Test
  void whenTheUserSaysNothingTheConnectGoesAloneAfterItsWait() {
    // A protocol in which the server speaks first: the user waits for the banner.
    System.setProperty(ConnectStream.PADDING_PROPERTY, "false");
    EmbeddedChannel user = user();
    EmbeddedChannel stream = new EmbeddedChannel();
    try {
      stream.freezeTime();
      EarlyData early = EarlyDataAccess.started(user);
      connect(stream, early, new AtomicBoolean());
      stream.advanceTimeBy(ConnectStream.FIRST_BYTES_WAIT_MS - 1, TimeUnit.MILLISECONDS);
      stream.runScheduledPendingTasks();
      assertThat((Object) stream.readOutbound()).as("still waiting").isNull();

      stream.advanceTimeBy(1, TimeUnit.MILLISECONDS);
      stream.runScheduledPendingTasks();
      Http2HeadersFrame connect = stream.readOutbound();
      assertThat(connect.headers().method().toString()).isEqualTo("CONNECT");
      assertThat((Object) stream.readOutbound()).isNull();
    } finally {
      System.clearProperty(ConnectStream.PADDING_PROPERTY);
      stream.finishAndReleaseAll();
      user.finishAndReleaseAll();
    }
  }
}
