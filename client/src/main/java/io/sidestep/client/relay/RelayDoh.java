package io.sidestep.client.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.detect.RelayResolver;
import io.sidestep.client.dial.DialException;
import io.sidestep.client.dial.Resolver;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsFormatException;
import io.sidestep.core.dns.DnsMessages;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.relay.AccessKey;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * Resolves names at the relay through its DNS-over-HTTPS endpoint (RFC 8484, {@code GET
 * /dns-query?dns=…}), authenticated with the access key's credentials over the same pinned TLS as
 * tunnels. An A and an AAAA query go one after the other on one connection. Relays are tried in the
 * order of their keys; the first that answers decides. Each relay gets {@code timeout} (4 s by
 * default, OONI's DNS budget) for the whole exchange.
 */
public final class RelayDoh implements RelayResolver {

  /** Default budget per relay: 4 s. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(4);

  private final List<AccessKey> keys;
  private final List<SslContext> contexts;
  private final Duration timeout;
  private final Resolver resolver;

  public RelayDoh(List<AccessKey> keys, Duration timeout, Resolver resolver) {
    this.keys = List.copyOf(keys);
    List<SslContext> c = new ArrayList<>();
    for (AccessKey k : keys) {
      c.add(RelayTls.context(k));
    }
    this.contexts = List.copyOf(c);
    this.timeout = timeout;
    this.resolver = resolver;
  }

  @Override
  public CompletableFuture<Lookup> lookup(EventLoop loop, String host) {
    CompletableFuture<Lookup> result = new CompletableFuture<>();
    if (keys.isEmpty()) {
      result.complete(Lookup.failed("no relay configured"));
      return result;
    }
    attempt(loop, host, 0, result, new StringBuilder());
    return result;
  }

  private void attempt(
      EventLoop loop, String host, int index, CompletableFuture<Lookup> result, StringBuilder why) {
    if (index >= keys.size()) {
      result.complete(Lookup.failed("relay DNS: " + why));
      return;
    }
    CompletableFuture<Lookup> one = new CompletableFuture<>();
    one.whenComplete(
        (lookup, error) -> {
          if (lookup instanceof Lookup.Failed f) {
            why.append(why.length() > 0 ? "; " : "").append(f.reason());
            attempt(loop, host, index + 1, result, why);
          } else {
            result.complete(lookup);
          }
        });
    AccessKey key = keys.get(index);
    RelayAddress.of(key, resolver)
        .whenComplete(
            (address, error) ->
                loop.execute(
                    () -> {
                      if (error != null) {
                        one.complete(
                            Lookup.failed(
                                "relay '"
                                    + key.label()
                                    + "': cannot resolve "
                                    + key.relay().host()));
                      } else {
                        dial(loop, index, host, address, one);
                      }
                    }));
  }

  private void dial(
      EventLoop loop,
      int index,
      String host,
      InetSocketAddress address,
      CompletableFuture<Lookup> one) {
    AccessKey key = keys.get(index);
    Exchange exchange = new Exchange(key, host, one);
    ChannelFuture f =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) timeout.toMillis())
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    SslHandler tls =
                        contexts
                            .get(index)
                            .newHandler(ch.alloc(), key.relay().host(), key.relay().port());
                    if (key.relay().isIpLiteral()) {
                      SSLEngine engine = tls.engine();
                      SSLParameters p = engine.getSSLParameters();
                      p.setServerNames(List.of());
                      engine.setSSLParameters(p);
                    }
                    tls.setHandshakeTimeoutMillis(timeout.toMillis());
                    ch.pipeline()
                        .addLast("tls", tls)
                        .addLast("http", new HttpClientCodec(4096, 8192, 8192))
                        .addLast(
                            "aggregate", new HttpObjectAggregator(DnsOverHttps.MAX_MESSAGE + 1))
                        .addLast("doh", exchange);
                  }
                })
            .connect(address);
    ScheduledFuture<?> timer =
        loop.schedule(
            () -> {
              if (one.complete(
                  Lookup.failed(
                      "relay '"
                          + key.label()
                          + "': no DNS answer within "
                          + timeout.toMillis()
                          + " ms"))) {
                f.channel().close();
              }
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    one.whenComplete((x, y) -> timer.cancel(false));
    f.addListener(
        x -> {
          if (!f.isSuccess()) {
            one.complete(
                Lookup.failed(
                    "relay '"
                        + key.label()
                        + "': "
                        + DialException.of(f.cause(), "relay at " + address).getMessage()));
          }
        });
  }

  /** Sends the A then the AAAA query and combines the answers. */
  private static final class Exchange extends SimpleChannelInboundHandler<FullHttpResponse> {
    private final AccessKey key;
    private final String host;
    private final CompletableFuture<Lookup> result;
    private final Deque<DnsRecordType> types =
        new ArrayDeque<>(List.of(DnsRecordType.A, DnsRecordType.AAAA));
    private final List<InetAddress> addresses = new ArrayList<>();
    private final List<DnsResponseCode> rcodes = new ArrayList<>();

    Exchange(AccessKey key, String host, CompletableFuture<Lookup> result) {
      this.key = key;
      this.host = host;
      this.result = result;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        if (done.isSuccess()) {
          next(ctx);
        } else {
          fail(ctx, "TLS: " + done.cause().getMessage());
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
                  fail(ctx, "sending the query failed: " + f.cause().getMessage());
                }
              });
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
      if (response.status().code() != 200) {
        fail(ctx, "DNS-over-HTTPS answered HTTP " + response.status().code());
        return;
      }
      DnsAnswer dns;
      try {
        dns = DnsMessages.readAnswer(ByteBufUtil.getBytes(response.content()), 0);
      } catch (DnsFormatException e) {
        fail(ctx, "bad DNS answer: " + e.getMessage());
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
      result.complete(lookup);
      ctx.close();
    }

    private void fail(ChannelHandlerContext ctx, String why) {
      result.complete(Lookup.failed("relay '" + key.label() + "': " + why));
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      result.complete(Lookup.failed("relay '" + key.label() + "' closed the connection"));
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(ctx, cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }
  }
}
