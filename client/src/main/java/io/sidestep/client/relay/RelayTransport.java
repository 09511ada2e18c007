package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sidestep.client.dial.DialException;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.dial.Resolver;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.TlsEngines;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tunnels through relays given by access keys, in the order given. A relay that cannot be used
 * (TCP, TLS or pin failure, an answer that is not a 200/403/502/504, which is what a relay says to
 * wrong credentials) is marked down for a while (30 s by default) and the next key is tried; a 403
 * (the relay's destination policy) or a 502/504 (the destination is unreachable from the relay) is
 * about the destination and ends the attempt. When every relay is marked down they are all tried
 * anyway, soonest-back first.
 *
 * <p>TLS 1.3 or 1.2, SNI with the key's host name (none for an IP literal), the certificate checked
 * against the key's pin, or without a pin against the JVM trust store with host name verification.
 * The relay's own host name is resolved with the given resolver, off the event loop.
 */
public final class RelayTransport implements RelayConnector {

  private static final Logger LOG = LoggerFactory.getLogger(RelayTransport.class);

  /** The CONNECT answer may have at most this much in its status line and headers. */
  static final int MAX_STATUS_LINE = 4096;

  static final int MAX_HEADERS = 8192;

  private final List<Endpoint> endpoints;
  private final Duration connectTimeout;
  private final Duration downFor;
  private final Resolver resolver;

  public RelayTransport(
      List<AccessKey> keys, Duration connectTimeout, Duration downFor, Resolver resolver) {
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("relays: none given (expected: at least one access key)");
    }
    this.connectTimeout = connectTimeout;
    this.downFor = downFor;
    this.resolver = resolver;
    List<Endpoint> list = new ArrayList<>();
    for (AccessKey key : keys) {
      list.add(new Endpoint(key, RelayTls.context(key)));
    }
    this.endpoints = List.copyOf(list);
    LOG.debug("TLS engine for relays: {}", TlsEngines.describe());
  }

  /** Whether the relay of {@code key} is currently marked down. */
  public boolean isDown(AccessKey key) {
    long now = System.nanoTime();
    return endpoints.stream().anyMatch(e -> e.key.equals(key) && e.downUntil - now > 0);
  }

  @Override
  public Future<Channel> connect(EventLoop loop, Destination destination) {
    Promise<Channel> promise = loop.newPromise();
    long now = System.nanoTime();
    List<Endpoint> order = new ArrayList<>();
    List<Endpoint> down = new ArrayList<>();
    for (Endpoint e : endpoints) {
      (e.downUntil - now > 0 ? down : order).add(e);
    }
    down.sort(Comparator.comparingLong(e -> e.downUntil - now));
    order.addAll(down);
    attempt(loop, destination, order, 0, promise, new StringBuilder());
    return promise;
  }

  private void attempt(
      EventLoop loop,
      Destination destination,
      List<Endpoint> order,
      int index,
      Promise<Channel> promise,
      StringBuilder reasons) {
    if (index >= order.size()) {
      promise.tryFailure(
          new DialException(
              DialException.Kind.RELAY_UNAVAILABLE,
              "no relay could be used for " + destination + ": " + reasons));
      return;
    }
    Endpoint endpoint = order.get(index);
    Promise<Channel> one = loop.newPromise();
    one.addListener(
        f -> {
          if (f.isSuccess()) {
            endpoint.downUntil = System.nanoTime() - 1;
            if (!promise.trySuccess((Channel) f.getNow())) {
              ((Channel) f.getNow()).close();
            }
            return;
          }
          DialException e = DialException.of(f.cause(), "relay " + endpoint.key.label());
          if (e.kind() == DialException.Kind.RELAY_REFUSED
              || e.kind() == DialException.Kind.RELAY_UNREACHABLE_DESTINATION) {
            promise.tryFailure(e);
            return;
          }
          markDown(endpoint, e);
          if (reasons.length() > 0) {
            reasons.append("; ");
          }
          reasons.append(e.getMessage());
          attempt(loop, destination, order, index + 1, promise, reasons);
        });
    open(loop, endpoint, destination, one);
  }

  private void markDown(Endpoint endpoint, DialException e) {
    boolean wasUp = endpoint.downUntil - System.nanoTime() <= 0;
    endpoint.downUntil = System.nanoTime() + downFor.toNanos();
    if (wasUp) {
      if (e.getMessage().startsWith("refusing relay")) {
        LOG.error("{}; skipping it for {} s", e.getMessage(), downFor.toSeconds());
      } else {
        LOG.warn(
            "relay '{}' is down: {}; skipping it for {} s",
            endpoint.key.label(),
            e.getMessage(),
            downFor.toSeconds());
      }
    }
  }

  private void open(
      EventLoop loop, Endpoint endpoint, Destination destination, Promise<Channel> promise) {
    Destination relay = endpoint.key.relay();
    RelayAddress.of(endpoint.key, resolver)
        .whenComplete(
            (address, error) ->
                loop.execute(
                    () -> {
                      if (error != null) {
                        promise.tryFailure(
                            new DialException(
                                DialException.Kind.RELAY_UNAVAILABLE,
                                "relay '"
                                    + endpoint.key.label()
                                    + "': cannot resolve "
                                    + relay.host()
                                    + ": "
                                    + DialException.of(error, relay.host()).getMessage()));
                        return;
                      }
                      dial(loop, endpoint, destination, address, promise);
                    }));
  }

  private void dial(
      EventLoop loop,
      Endpoint endpoint,
      Destination destination,
      InetSocketAddress address,
      Promise<Channel> promise) {
    AccessKey key = endpoint.key;
    ChannelFuture f =
        TunnelOptions.outbound(loop, connectTimeout)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    SslHandler tls =
                        endpoint.ssl.newHandler(ch.alloc(), key.relay().host(), key.relay().port());
                    // SNI carries host names only (RFC 6066): the key's name, set explicitly
                    // because the JDK leaves out names without a dot; none for an IP literal.
                    SSLEngine engine = tls.engine();
                    SSLParameters p = engine.getSSLParameters();
                    p.setServerNames(sniFor(key.relay()));
                    engine.setSSLParameters(p);
                    tls.setHandshakeTimeoutMillis(connectTimeout.toMillis());
                    ch.pipeline()
                        .addLast("tls", tls)
                        .addLast(
                            RelayConnectHandler.CODEC,
                            new HttpClientCodec(MAX_STATUS_LINE, MAX_HEADERS, 8192))
                        .addLast(
                            RelayConnectHandler.NAME,
                            new RelayConnectHandler(key, destination, promise, connectTimeout));
                  }
                })
            .connect(address);
    f.addListener(
        x -> {
          if (!f.isSuccess()) {
            DialException e =
                DialException.of(f.cause(), "relay '" + key.label() + "' at " + address);
            promise.tryFailure(
                new DialException(DialException.Kind.RELAY_UNAVAILABLE, e.getMessage(), e));
          }
        });
  }

  private static List<javax.net.ssl.SNIServerName> sniFor(Destination relay) {
    if (relay.isIpLiteral()) {
      return List.of();
    }
    try {
      return List.of(new javax.net.ssl.SNIHostName(relay.host()));
    } catch (IllegalArgumentException e) {
      return List.of(); // a name SNI cannot carry (an underscore, say): none rather than a failure
    }
  }

  private static final class Endpoint {
    final AccessKey key;
    final SslContext ssl;
    volatile long downUntil = System.nanoTime() - 1;

    Endpoint(AccessKey key, SslContext ssl) {
      this.key = key;
      this.ssl = ssl;
    }
  }
}
