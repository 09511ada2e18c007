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
import io.netty.util.concurrent.Promise;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsFormatException;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.relay.AccessKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One DNS-over-HTTPS query (RFC 8484, {@code GET /dns-query?dns=…}) on its own HTTP/2 stream to the
 * relay. The promise succeeds with the relay resolver's answer and fails with a {@link
 * DialException} of kind {@code RELAY_UNAVAILABLE} when the relay itself could not be used; {@link
 * #combine} makes one look-up of the A and AAAA answers.
 */
final class DohExchange extends SimpleChannelInboundHandler<FullHttpResponse> {
  private final AccessKey key;
  private final String host;
  private final DnsRecordType type;
  private final Promise<DnsAnswer> result;

  DohExchange(AccessKey key, String host, DnsRecordType type, Promise<DnsAnswer> result) {
    this.key = key;
    this.host = host;
    this.type = type;
    this.result = result;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(true); // a short exchange, not a tunnel
    FullHttpRequest r =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.GET,
            DnsOverHttps.getPath(DnsMessages.query(0, host, type)));
    r.headers().set(HttpHeaderNames.HOST, key.relay().authority());
    r.headers().set(HttpHeaderNames.ACCEPT, DnsOverHttps.MEDIA_TYPE);
    r.headers().set(HttpHeaderNames.PROXY_AUTHORIZATION, ConnectStream.basic(key));
    ctx.writeAndFlush(r)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail(ctx, unavailable("sending the query failed: " + f.cause().getMessage()));
              }
            });
    ctx.fireChannelActive();
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
    if (response.status().code() != 200) {
      fail(ctx, unavailable("DNS-over-HTTPS answered HTTP " + response.status().code()));
      return;
    }
    try {
      result.trySuccess(DnsMessages.readAnswer(ByteBufUtil.getBytes(response.content()), 0));
    } catch (DnsFormatException e) {
      fail(ctx, unavailable("bad DNS answer: " + e.getMessage()));
      return;
    }
    ctx.close();
  }

  /** One look-up from the answers for each record type. */
  static Lookup combine(AccessKey key, List<DnsAnswer> answers) {
    List<InetAddress> addresses = new ArrayList<>();
    List<DnsResponseCode> rcodes = new ArrayList<>();
    for (DnsAnswer a : answers) {
      addresses.addAll(a.addresses());
      rcodes.add(a.rcode());
    }
    if (!addresses.isEmpty()) {
      return Lookup.addresses(addresses);
    } else if (rcodes.contains(DnsResponseCode.NXDOMAIN)) {
      return Lookup.nxDomain();
    } else if (rcodes.stream().allMatch(DnsResponseCode.NOERROR::equals)) {
      return Lookup.noData();
    }
    return Lookup.failed("relay '" + key.label() + "' resolver: " + rcodes.get(0));
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
    result.tryFailure(unavailable("closed the stream"));
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    fail(ctx, LinkHandshake.relayFailure(key, cause));
  }
}
