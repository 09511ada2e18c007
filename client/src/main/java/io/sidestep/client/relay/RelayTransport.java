package io.sidestep.client.relay;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.client.detect.RelayResolver;
import io.sidestep.client.dial.EarlyData;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.core.detect.Lookup;
import io.sidestep.core.dns.DnsAnswer;
import io.sidestep.core.dns.DnsOverHttps;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.Http2Link;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.TlsEngines;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's one way to its relays, given by access keys in the order given: it opens tunnels
 * ({@code CONNECT}) and resolves names through the relay's DNS-over-HTTPS endpoint, with one
 * failover and one memory of relays that are down.
 *
 * <p>Each relay has one HTTP/2 connection (RFC 9113), opened by {@link #warm} before the first
 * tunnel needs it, or by the first tunnel. Every tunnel is a {@code CONNECT} stream on it and every
 * look-up an ordinary request stream; a tunnel stream reads with {@code AUTO_READ} off, so a slow
 * reader holds back only its own stream's window (see {@link Http2Link} for the sizes). The
 * connection is kept as {@link Link} says: PINGs when quiet (a dead one is closed, failing its
 * streams, and the next tunnel fails over), and a fresh connection after a random lifetime, the old
 * one drained with a GOAWAY. A relay that does not offer h2 is refused as unusable.
 *
 * <p>A relay is blamed, marked down for a while (30 s by default) and the next key tried, only for
 * its own failures: TCP or TLS to it, a certificate other than the pinned one, its connection
 * dying, an answer that is not a 200/403/502/504 (which is what a relay says to wrong credentials).
 * A 403 (the relay's destination policy) or a 502/504 (the destination is unreachable from the
 * relay) is about the destination, and a failure here before the relay answers (a request that
 * cannot be written) is nobody's fault but ours: either ends the attempt and leaves the relay up.
 * When every relay is marked down they are all tried anyway, soonest-back first.
 *
 * <p>TLS is set up in {@link RelayTls}: TLS 1.3 or 1.2, the certificate checked against the key's
 * pin, or without a pin against the JVM trust store with host name verification, and SNI. The
 * relay's own host name is resolved with the given resolver, off the event loop. Every connection
 * to a relay is made in {@link #open}. A DNS-over-HTTPS look-up gets 4 s per relay for the whole
 * exchange.
 */
public final class RelayTransport implements RelayConnector, RelayResolver {

  private static final Logger LOG = LoggerFactory.getLogger(RelayTransport.class);

  /** TCP and TLS to a relay must be done within this by default: 5 s. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** A relay that failed is skipped this long by default: 30 s. */
  public static final Duration DEFAULT_DOWN_FOR = Duration.ofSeconds(30);

  /** Budget per relay for a DNS-over-HTTPS look-up: 4 s, OONI's DNS budget. */
  static final Duration DNS_TIMEOUT = Duration.ofSeconds(4);

  /**
   * How each relay's connection is kept: after {@code ping} without a byte from the relay an HTTP/2
   * PING goes out, and after twice that the connection counts as dead; after a random time between
   * {@code lifetime} and twice that it is replaced (a GOAWAY, no tunnel cut). Default: 3 s, 10 min.
   */
  public record Link(Duration ping, Duration lifetime) {
    public static final Link DEFAULT = new Link(Duration.ofSeconds(3), Duration.ofMinutes(10));
  }

  private final List<Endpoint> endpoints;
  private final Duration connectTimeout;
  private final Duration downFor;
  private final Resolver resolver;
  private final Link link;

  public RelayTransport(
      List<AccessKey> keys, Duration connectTimeout, Duration downFor, Resolver resolver) {
    this(keys, connectTimeout, downFor, resolver, TlsHello.fromSystemProperty(), Link.DEFAULT);
  }

  /** With {@code hello} as the ClientHello to every relay. */
  public RelayTransport(
      List<AccessKey> keys,
      Duration connectTimeout,
      Duration downFor,
      Resolver resolver,
      TlsHello hello) {
    this(keys, connectTimeout, downFor, resolver, hello, Link.DEFAULT);
  }

  /** With {@code link} keeping each relay's connection alive and rotating it. */
  public RelayTransport(
      List<AccessKey> keys,
      Duration connectTimeout,
      Duration downFor,
      Resolver resolver,
      Link link) {
    this(keys, connectTimeout, downFor, resolver, TlsHello.fromSystemProperty(), link);
  }

  /** With {@code hello} as the ClientHello to every relay and {@code link} for its connection. */
  public RelayTransport(
      List<AccessKey> keys,
      Duration connectTimeout,
      Duration downFor,
      Resolver resolver,
      TlsHello hello,
      Link link) {
    this.link = link;
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("relays: none given (expected: at least one access key)");
    }
    this.connectTimeout = connectTimeout;
    this.downFor = downFor;
    this.resolver = resolver;
    List<Endpoint> list = new ArrayList<>();
    for (AccessKey key : keys) {
      list.add(new Endpoint(key, RelayTls.of(key, hello)));
    }
    this.endpoints = List.copyOf(list);
    LOG.debug(
        "TLS to relays: {}",
        hello == TlsHello.CHROME
            ? "a Chrome-shaped hello (Bouncy Castle)"
            : "the fast hello, " + TlsEngines.describe());
  }

  /**
   * The round-trip time to the relay of {@code key}, from the latest answer to an HTTP/2 PING on
   * its connection (sent after a quiet spell, see {@link Link}); empty before the first.
   */
  public Optional<Duration> roundTrip(AccessKey key) {
    return endpoints.stream()
        .filter(e -> e.key.equals(key) && e.roundTrip >= 0)
        .findFirst()
        .map(e -> Duration.ofNanos(e.roundTrip));
  }

  /** Whether the relay of {@code key} is currently marked down. */
  public boolean isDown(AccessKey key) {
    long now = System.nanoTime();
    return endpoints.stream().anyMatch(e -> e.key.equals(key) && e.downUntil - now > 0);
  }

  @Override
  public Future<Channel> connect(EventLoop loop, Destination destination) {
    return connect(loop, destination, null);
  }

  /**
   * A tunnel whose user's first bytes go right behind each attempt's CONNECT ({@code early} may be
   * null). A stream that offers padding sends them only after the answer, padded.
   */
  @Override
  public Future<Channel> connect(EventLoop loop, Destination destination, EarlyData early) {
    Promise<Channel> promise = loop.newPromise();
    failover(
        loop,
        order(),
        0,
        (e, one) -> tunnel(loop, e, destination, one, early),
        promise,
        destination);
    return promise;
  }

  /** Never completes exceptionally: a failure is a {@link Lookup.Failed}. */
  @Override
  public CompletableFuture<Lookup> lookup(EventLoop loop, String host) {
    CompletableFuture<Lookup> result = new CompletableFuture<>();
    Promise<Lookup> promise = loop.newPromise();
    failover(loop, order(), 0, (e, one) -> resolve(loop, e, host, one), promise, host);
    promise.addListener(
        f ->
            result.complete(
                f.isSuccess()
                    ? (Lookup) f.getNow()
                    : Lookup.failed("relay DNS: " + f.cause().getMessage())));
    return result;
  }

  /** The loop of the first relay's connection that takes streams, if any is open. */
  @Override
  public EventLoop loop() {
    for (Endpoint e : order()) {
      Future<Channel> link;
      synchronized (e) {
        link = e.link;
      }
      if (link != null && link.isSuccess() && takesStreams(link.getNow())) {
        return link.getNow().eventLoop();
      }
    }
    return null;
  }

  /**
   * Whether the next tunnel will most likely open: the first relay in order has an open connection
   * that takes streams, and has taken this key since it was last down. Only then does a door answer
   * before the relay ({@link EarlyData}): a relay that is unreachable, refuses the key or has not
   * been tried yet is reported by the door's own failure answer.
   */
  @Override
  public boolean ready() {
    List<Endpoint> order = order();
    if (order.isEmpty()) {
      return false;
    }
    Endpoint e = order.get(0);
    if (!e.proven || e.downUntil - System.nanoTime() > 0) {
      return false;
    }
    Future<Channel> link;
    synchronized (e) {
      link = e.link;
    }
    return link != null && link.isSuccess() && takesStreams(link.getNow());
  }

  /** Relays that are up in the order of their keys, then those marked down, soonest-back first. */
  private List<Endpoint> order() {
    long now = System.nanoTime();
    List<Endpoint> order = new ArrayList<>();
    List<Endpoint> down = new ArrayList<>();
    for (Endpoint e : endpoints) {
      (e.downUntil - now > 0 ? down : order).add(e);
    }
    down.sort(Comparator.comparingLong(e -> e.downUntil - now));
    order.addAll(down);
    return order;
  }

  /** One try at one relay, completing {@code one}. */
  private interface Step<T> {
    void start(Endpoint endpoint, Promise<T> one);
  }

  /**
   * Tries {@code order} from {@code index} on with {@code step} until one succeeds or fails for a
   * reason that is not the relay's; a relay's own failure marks it down and moves on.
   */
  private <T> void failover(
      EventLoop loop,
      List<Endpoint> order,
      int index,
      Step<T> step,
      Promise<T> promise,
      Object what) {
    failover(loop, order, index, step, promise, what, new StringBuilder());
  }

  private <T> void failover(
      EventLoop loop,
      List<Endpoint> order,
      int index,
      Step<T> step,
      Promise<T> promise,
      Object what,
      StringBuilder reasons) {
    if (index >= order.size()) {
      promise.tryFailure(
          new DialException(
              DialException.Kind.RELAY_UNAVAILABLE,
              "no relay could be used for " + what + ": " + reasons));
      return;
    }
    Endpoint endpoint = order.get(index);
    Promise<T> one = loop.newPromise();
    one.addListener(
        f -> {
          if (f.isSuccess()) {
            endpoint.downUntil = System.nanoTime() - 1;
            endpoint.proven = true;
            @SuppressWarnings("unchecked")
            T value = (T) f.getNow();
            if (!promise.trySuccess(value) && value instanceof Channel c) {
              c.close();
            }
            return;
          }
          DialException e = DialException.of(f.cause(), "relay " + endpoint.key.label());
          if (!blamesRelay(e)) {
            promise.tryFailure(e);
            return;
          }
          markDown(endpoint, e);
          if (reasons.length() > 0) {
            reasons.append("; ");
          }
          reasons.append(e.getMessage());
          failover(loop, order, index + 1, step, promise, what, reasons);
        });
    step.start(endpoint, one);
  }

  /** Only the relay's own failures count against it (see the class comment). */
  private static boolean blamesRelay(DialException e) {
    return e.kind() == DialException.Kind.RELAY_UNAVAILABLE
        || e.kind() == DialException.Kind.TIMEOUT;
  }

  private void markDown(Endpoint endpoint, DialException e) {
    endpoint.proven = false;
    boolean wasUp = endpoint.downUntil - System.nanoTime() <= 0;
    endpoint.downUntil = System.nanoTime() + downFor.toNanos();
    if (wasUp) {
      if (PinnedTrustManager.isMismatch(e)) {
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

  private void tunnel(
      EventLoop loop,
      Endpoint endpoint,
      Destination destination,
      Promise<Channel> one,
      EarlyData early) {
    stream(
        loop,
        endpoint,
        one,
        (ch, attempt) ->
            ConnectStream.install(ch, endpoint.key, destination, attempt, early, endpoint.pads),
        true);
  }

  private void resolve(EventLoop loop, Endpoint endpoint, String host, Promise<Lookup> one) {
    ScheduledFuture<?> timer =
        loop.schedule(
            () ->
                one.tryFailure(
                    new DialException(
                        DialException.Kind.TIMEOUT,
                        "relay '"
                            + endpoint.key.label()
                            + "': no DNS answer within "
                            + DNS_TIMEOUT.toMillis()
                            + " ms")),
            DNS_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
    one.addListener(x -> timer.cancel(false));
    // A and AAAA at once, each on its own stream; the first failure is the look-up's.
    List<DnsAnswer> answers = new ArrayList<>();
    for (DnsRecordType type : List.of(DnsRecordType.A, DnsRecordType.AAAA)) {
      Promise<DnsAnswer> answer = loop.newPromise();
      answer.addListener(
          f -> {
            if (!f.isSuccess()) {
              one.tryFailure(f.cause());
              return;
            }
            answers.add(answer.getNow());
            if (answers.size() == 2) {
              one.trySuccess(DohExchange.combine(endpoint.key, answers));
            }
          });
      stream(
          loop,
          endpoint,
          answer,
          (ch, attempt) ->
              ch.pipeline()
                  .addLast(new Http2StreamFrameToHttpObjectCodec(false))
                  .addLast(new HttpObjectAggregator(DnsOverHttps.MAX_MESSAGE + 1))
                  .addLast(new DohExchange(endpoint.key, host, type, attempt)),
          true);
    }
  }

  /**
   * Opens a stream on the relay's connection (opening the connection if it has none) with the
   * handlers {@code handlers} puts on it for one attempt. A stream that cannot be opened fails
   * {@code promise} as the relay's failure. An attempt that fails on a connection that stopped
   * taking streams meanwhile (rotated, or told to go away) is made once more on its successor.
   */
  private <T> void stream(
      EventLoop loop,
      Endpoint endpoint,
      Promise<T> promise,
      BiConsumer<Channel, Promise<T>> handlers,
      boolean retry) {
    link(loop, endpoint)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                promise.tryFailure(f.cause());
                return;
              }
              Channel connection = (Channel) f.getNow();
              Promise<T> attempt = loop.newPromise();
              attempt.addListener(
                  a -> {
                    if (a.isSuccess()) {
                      if (!promise.trySuccess(attempt.getNow())
                          && attempt.getNow() instanceof Channel c) {
                        c.close();
                      }
                    } else if (retry && !promise.isDone() && !takesStreams(connection)) {
                      stream(loop, endpoint, promise, handlers, false);
                    } else {
                      promise.tryFailure(a.cause());
                    }
                  });
              promise.addListener(
                  p -> {
                    if (!p.isSuccess()) {
                      attempt.tryFailure(p.cause());
                    }
                  });
              // Checked on the connection's loop, where a rotation happens too: no stream starts
              // on a connection that has just sent its GOAWAY.
              connection
                  .eventLoop()
                  .execute(
                      () -> {
                        if (!takesStreams(connection)) {
                          attempt.tryFailure(
                              new DialException(
                                  DialException.Kind.RELAY_UNAVAILABLE,
                                  "relay '"
                                      + endpoint.key.label()
                                      + "': its connection is going away"));
                          return;
                        }
                        new Http2StreamChannelBootstrap(connection)
                            .option(ChannelOption.AUTO_READ, false)
                            .handler(
                                new ChannelInitializer<Channel>() {
                                  @Override
                                  protected void initChannel(Channel ch) {
                                    Http2Link.readInBatches(ch);
                                    handlers.accept(ch, attempt);
                                  }
                                })
                            .open()
                            .addListener(
                                s -> {
                                  if (!s.isSuccess()) {
                                    attempt.tryFailure(
                                        new DialException(
                                            DialException.Kind.RELAY_UNAVAILABLE,
                                            "relay '"
                                                + endpoint.key.label()
                                                + "': cannot open a stream: "
                                                + s.cause(),
                                            s.cause()));
                                  } else {
                                    Channel ch = (Channel) s.getNow();
                                    attempt.addListener(
                                        p -> {
                                          if (!p.isSuccess()) {
                                            ch.close();
                                          }
                                        });
                                    // A stream that ends before its handlers answered (its
                                    // connection died, a reset) fails the attempt: nothing waits
                                    // on a stream that is gone.
                                    // (Checked first: every answered stream closes too, and
                                    // an exception's stack trace is dear to make for nothing.)
                                    ch.closeFuture()
                                        .addListener(
                                            c -> {
                                              if (!attempt.isDone()) {
                                                attempt.tryFailure(
                                                    new DialException(
                                                        DialException.Kind.RELAY_UNAVAILABLE,
                                                        "relay '"
                                                            + endpoint.key.label()
                                                            + "': its stream closed before an"
                                                            + " answer"));
                                              }
                                            });
                                  }
                                });
                      });
            });
  }

  /**
   * Opens every relay's connection now, so that the first tunnel finds it ready. Failures are
   * remembered as usual.
   */
  public void warm(EventLoopGroup group) {
    for (Endpoint e : endpoints) {
      warm(group.next(), e);
    }
  }

  /** Opens {@code endpoint}'s connection ahead of need; a failure marks the relay down. */
  private void warm(EventLoop loop, Endpoint endpoint) {
    link(loop, endpoint)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                markDown(endpoint, DialException.of(f.cause(), "relay " + endpoint.key.label()));
              }
            });
  }

  /**
   * The relay's one HTTP/2 connection: the current one while it takes new streams (it is open and
   * has neither sent nor received a GOAWAY), else a new one opened on {@code loop}.
   */
  private Future<Channel> link(EventLoop loop, Endpoint endpoint) {
    synchronized (endpoint) {
      Future<Channel> current = endpoint.link;
      if (current != null
          && (!current.isDone() || (current.isSuccess() && takesStreams(current.getNow())))) {
        return current;
      }
      Promise<Channel> next = loop.newPromise();
      endpoint.link = next;
      IdleStateHandler idle =
          new IdleStateHandler(link.ping().toMillis(), 0, 0, TimeUnit.MILLISECONDS);
      Http2FrameCodec codec = Http2Link.codec(false);
      open(
          loop,
          endpoint,
          connectTimeout,
          next,
          idle,
          new LinkKeeper(link.lifetime(), () -> rotate(endpoint, next)),
          codec,
          Http2Link.connectionWindow(codec),
          new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
          new PingAnswers(nanos -> endpoint.roundTrip = nanos),
          new LinkHandshake(endpoint.key, next));
      next.addListener(
          f -> {
            if (f.isSuccess()) {
              openAgainIfLost(endpoint, next, (Channel) f.getNow());
            }
          });
      return next;
    }
  }

  /**
   * Keeps the relay's connection warm after a loss: when the current connection closes without
   * having been rotated (the relay restarted, the network dropped it, its PINGs went unanswered), a
   * new one is opened at once, so that the next tunnel does not wait for a handshake. Only a
   * connection that lived at least two PING intervals is replaced so: a relay that keeps closing
   * new connections is tried again by the next tunnel, not in a loop. A failure marks the relay
   * down, as any failed connection does.
   */
  private void openAgainIfLost(Endpoint endpoint, Future<Channel> lost, Channel ch) {
    long opened = System.nanoTime();
    ch.closeFuture()
        .addListener(
            c -> {
              EventLoop loop = ch.eventLoop();
              long now = System.nanoTime();
              if (loop.isShuttingDown()
                  || now - opened < 2 * link.ping().toNanos()
                  || endpoint.downUntil - now > 0) {
                return;
              }
              synchronized (endpoint) {
                if (endpoint.link != lost) {
                  return; // rotated: its successor is there already
                }
              }
              warm(loop, endpoint);
            });
  }

  /** The relay connection for {@code key} when one is open (tests). */
  Channel openLink(AccessKey key) {
    for (Endpoint e : endpoints) {
      if (e.key.equals(key)) {
        synchronized (e) {
          Future<Channel> f = e.link;
          return f != null && f.isSuccess() && f.getNow().isActive() ? f.getNow() : null;
        }
      }
    }
    return null;
  }

  /** A rotated connection takes no more streams; its successor is opened at once, warm. */
  private void rotate(Endpoint endpoint, Future<Channel> old) {
    synchronized (endpoint) {
      if (endpoint.link == old) {
        endpoint.link = null;
      }
    }
    link(((Channel) old.getNow()).eventLoop(), endpoint);
  }

  private static boolean takesStreams(Channel ch) {
    Http2FrameCodec codec = ch.pipeline().get(Http2FrameCodec.class);
    return ch.isActive()
        && codec != null
        && !codec.connection().goAwaySent()
        && !codec.connection().goAwayReceived();
  }

  /**
   * The one place a connection to a relay is made: its address, TCP and TLS, with {@code above} on
   * top of TLS. A failure before those handlers take over fails {@code promise} as the relay's; the
   * connection is closed when {@code promise} fails.
   */
  private void open(
      EventLoop loop,
      Endpoint endpoint,
      Duration timeout,
      Promise<?> promise,
      ChannelHandler... above) {
    AccessKey key = endpoint.key;
    RelayAddress.of(key, resolver)
        .whenComplete(
            (address, error) ->
                loop.execute(
                    () -> {
                      if (error != null) {
                        promise.tryFailure(
                            new DialException(
                                DialException.Kind.RELAY_UNAVAILABLE,
                                "relay '"
                                    + key.label()
                                    + "': cannot resolve "
                                    + key.relay().host()
                                    + ": "
                                    + DialException.of(error, key.relay().host()).getMessage()));
                        return;
                      }
                      dial(loop, endpoint, timeout, address, promise, above);
                    }));
  }

  private void dial(
      EventLoop loop,
      Endpoint endpoint,
      Duration timeout,
      InetSocketAddress address,
      Promise<?> promise,
      ChannelHandler[] above) {
    AccessKey key = endpoint.key;
    ChannelFuture f =
        TunnelOptions.outbound(loop, timeout)
            .handler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline()
                        .addLast(Splice.TLS, endpoint.tls.newHandler(ch, timeout))
                        .addLast(above);
                  }
                })
            .connect(address);
    promise.addListener(
        x -> {
          if (!x.isSuccess()) {
            f.channel().close();
          }
        });
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

  private static final class Endpoint {
    final AccessKey key;
    final RelayTls tls;
    volatile long downUntil = System.nanoTime() - 1;
    volatile long roundTrip = -1; // nanoseconds, from the latest PING answer

    /** The relay has taken this key (answered a CONNECT or a look-up) since it was last down. */
    volatile boolean proven;

    /** The relay's last answer to a CONNECT accepted padding. */
    final java.util.concurrent.atomic.AtomicBoolean pads =
        new java.util.concurrent.atomic.AtomicBoolean();

    Future<Channel> link; // guarded by this

    Endpoint(AccessKey key, RelayTls tls) {
      this.key = key;
      this.tls = tls;
    }
  }
}
