package io.sidestep.client.relay;

import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.Promise;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsFormatException;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.relay.AccessKey;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;

/**
 * Once TLS is up, asks the relay's DNS-over-HTTPS endpoint (RFC 8484, {@code GET /dns-query?dns=…})
 * for the A and then the AAAA records of a name, and combines the answers. The promise succeeds
 * with what the relay's resolver said (which may be a failure of that resolver) and fails with a
 * {@link DialException} of kind {@code RELAY_UNAVAILABLE} when the relay itself could not be used.
 */
final class DohExchange extends SimpleChannelInboundHandler<FullHttpResponse> {
  private final AccessKey key;
  private final String host;
  private final Promise<Lookup> result;
  private final Deque<DnsRecordType> types =
      new ArrayDeque<>(List.of(DnsRecordType.A, DnsRecordType.AAAA));
  private final List<InetAddress> addresses = new ArrayList<>();
  private final List<DnsResponseCode> rcodes = new ArrayList<>();

  DohExchange(AccessKey key, String host, Promise<Lookup> result) {
    this.key = key;
    this.host = host;
    this.result = result;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(true); // a short exchange, not a tunnel
    ctx.fireChannelActive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (done.isSuccess()) {
        next(ctx);
      } else {
        fail(ctx, RelayConnectHandler.tlsFailure(key, done.cause()));
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void next(ChannelHandlerContext ctx) {
    DnsRecordType type = types.poll();
    if (type == null) {
      finish(ctx);
      return;
    }
    byte[] query = DnsMessages.query(0, host, type);
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, DnsOverHttps.getPath(query));
    r.headers().set(HttpHeaderNames.HOST, key.relay().authority());
    r.headers().set(HttpHeaderNames.ACCEPT, DnsOverHttps.MEDIA_TYPE);
    String basic =
        Base64.getEncoder()
            .encodeToString((key.user() + ":" + key.token()).getBytes(StandardCharsets.UTF_8));
    r.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, "Basic " + basic);
    ctx.writeAndFlush(r)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(ctx, unavailable("sending the query failed: " + f.cause().getMessage()));
              }
            });
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
    if (response.status().code() != 200) {
      fail(ctx, unavailable("DNS-over-HTTPS answered HTTP " + response.status().code()));
      return;
    }
    DnsAnswer dns;
    try {
      dns = DnsMessages.readAnswer(ByteBufUtil.getBytes(response.content()), 0);
    } catch (DnsFormatException e) {
      fail(ctx, unavailable("bad DNS answer: " + e.getMessage()));
      return;
    }
    rcodes.add(dns.rcode());
    addresses.addAll(dns.addresses());
    next(ctx);
  }

  private void finish(ChannelHandlerContext ctx) {
    Lookup lookup;
    if (!addresses.isEmpty()) {
      lookup = Lookup.addresses(addresses);
    } else if (rcodes.contains(DnsResponseCode.NXDOMAIN)) {
      lookup = Lookup.nxDomain();
    } else if (rcodes.stream().allMatch(DnsResponseCode.NOERROR::equals)) {
      lookup = Lookup.noData();
    } else {
      lookup = Lookup.failed("relay '" + key.label() + "' resolver: " + rcodes.get(0));
    }
    result.trySuccess(lookup);
    ctx.close();
  }

  private DialException unavailable(String why) {
    return new DialException(
        DialException.Kind.RELAY_UNAVAILABLE, "relay '" + key.label() + "': " + why);
  }

  private void fail(ChannelHandlerContext ctx, DialException e) {
    result.tryFailure(e);
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    result.tryFailure(unavailable("closed the connection"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, RelayConnectHandler.relayFailure(key, cause));
  }
}
