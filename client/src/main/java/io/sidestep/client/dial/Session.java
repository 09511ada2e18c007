package io.sidestep.client.dial;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.sidestep.core.netty.Channels;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.netty.HeldBytes;
import io.sidestep.core.netty.Splice;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Router;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection from a door, from the routing decision to its last byte: what the {@link
 * Dispatcher} and an {@link AutoRoute} work with. All methods are called on {@link #loop()}, the
 * inbound channel's event loop.
 *
 * <p>When the session ends (a failure, or both channels of the tunnel closed) it logs one INFO
 * line: door, destination, route, reason, the path taken, bytes up and down, duration, and any
 * {@link #note notes}. Nothing secret is in it.
 */
public final class Session {

  private static final Logger LOG = LoggerFactory.getLogger("io.sidestep.client.connection");

  private final Router router;
  private final Dialer dialer;
  private final Channel inbound;
  private final Destination destination;
  private final String door;
  private final DoorReply reply;
  private final ConnectionListener listener;
  private final long startNanos = System.nanoTime();
  private Decision decision;
  private ChannelFuture succeeded;
  private String route = "none";
  private String via = "";
  private final StringBuilder notes = new StringBuilder();
  private long up;
  private long down;
  private boolean ended;

  /**
   * Whether a relay route may answer the door before the relay ({@link EarlyData}), once the relay
   * is known to take the key ({@link Dialer#relayReady}).
   */
  boolean fastOpen;

  Session(
      Router router,
      Dialer dialer,
      Channel inbound,
      Destination destination,
      String door,
      DoorReply reply,
      Decision decision,
      ConnectionListener listener) {
    this.router = router;
    this.listener = listener;
    this.dialer = dialer;
    this.inbound = inbound;
    this.destination = destination;
    this.door = door;
    this.reply = reply;
    this.decision = decision;
  }

  public Destination destination() {
    return destination;
  }

  /** The door's name: {@code socks} or {@code http}. */
  public String door() {
    return door;
  }

  /** The user's connection: {@code AUTO_READ} off; raw bytes once {@link #succeed} completed. */
  public Channel inbound() {
    return inbound;
  }

  public EventLoop loop() {
    return inbound.eventLoop();
  }

  public Dialer dialer() {
    return dialer;
  }

  /** Adds evidence to this connection's log line (detection says what it saw here). */
  public void note(String text) {
    if (notes.length() > 0) {
      notes.append("; ");
    }
    notes.append(text);
  }

  /**
   * Answers the door with success (SOCKS5 0x00, the HTTP door's 200 for CONNECT). Idempotent: later
   * calls return the first future.
   */
  public ChannelFuture succeed() {
    if (succeeded == null) {
      succeeded = reply.succeed();
    }
    return succeeded;
  }

  /**
   * Answers the door with a failure and ends the session. {@code route} names the path that failed
   * ({@code direct}, {@code relay}, {@code reject}, ...). The door is told the decision too, so
   * that its error page can say where the connection was sent and why. After {@link #succeed} there
   * is no reply left to give, so the inbound is just closed.
   */
  public void fail(String route, DialException cause) {
    this.route = route;
    if (succeeded == null) {
      reply.fail(decision, cause);
    } else {
      inbound.close();
    }
    end("failed: " + cause.getMessage());
  }

  /**
   * Reads the user's first bytes (the first flight: a TLS ClientHello, an HTTP request) after
   * {@link #succeed}, without passing them anywhere. Same as {@link #readFirstFlight(Duration, int,
   * Predicate)} with one read being enough.
   */
  public Future<ByteBuf> readFirstFlight(Duration timeout) {
    return readFirstFlight(timeout, 64 * 1024, bytes -> true);
  }

  /**
   * Reads the user's first flight after {@link #succeed}, without passing it anywhere: reads until
   * {@code complete} says the bytes so far are a whole flight (detection's {@code
   * io.sidestep.core.detect.FirstFlight} parser can decide), or {@code maxBytes} have come, or
   * {@code timeout} passed (then with what came, possibly nothing: a protocol where the server
   * speaks first). The caller owns the buffer: write {@code retainedDuplicate()} to one path and
   * keep it to replay on another, or hand it to {@link #splice(Channel, String, ByteBuf)}. Bytes
   * that arrive after it completes wait for the splice. Fails if the user closes first.
   */
  public Future<ByteBuf> readFirstFlight(
      Duration timeout, int maxBytes, java.util.function.Predicate<byte[]> complete) {
    Promise<ByteBuf> promise = loop().newPromise();
    FlightCapture capture = new FlightCapture(promise, maxBytes, complete);
    inbound.pipeline().addLast(FlightCapture.NAME, capture);
    capture.timeout =
        loop()
            .schedule(
                () -> {
                  capture.finishNow(inbound.alloc());
                  // A read we asked for may still be pending: keep what it brings for the splice.
                  if (inbound.pipeline().get(FlightCapture.NAME) != null) {
                    inbound.pipeline().replace(FlightCapture.NAME, HeldBytes.NAME, new HeldBytes());
                  }
                },
                timeout.toMillis(),
                TimeUnit.MILLISECONDS);
    HeldBytes.passOn(inbound.pipeline()); // early bytes go to the capture first
    if (!promise.isDone()) {
      inbound.read();
    }
    return promise;
  }

  /** Joins the user to {@code outbound} (answering the door first if not done yet). */
  public void splice(Channel outbound, String route) {
    splice(outbound, route, null);
  }

  /**
   * Joins the user to {@code outbound}, first writing {@code firstFlight} to it (replayed bytes,
   * owned and released by this call; may be null). The session ends when both sides are closed.
   */
  public void splice(Channel outbound, String route, ByteBuf firstFlight) {
    this.route = route;
    String v = outbound.attr(Dialer.VIA).get();
    if (v != null) {
      this.via = v;
    }
    if (!inbound.isActive()) {
      ReferenceCountUtil.release(firstFlight);
      outbound.close();
      end("client left before the connection was made");
      return;
    }
    succeed()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                ReferenceCountUtil.release(firstFlight);
                outbound.close();
                end("could not answer the door: " + f.cause());
                return;
              }
              if (firstFlight != null && firstFlight.isReadable()) {
                up += firstFlight.readableBytes();
                outbound.writeAndFlush(firstFlight);
              } else {
                ReferenceCountUtil.release(firstFlight);
              }
              if (outbound.eventLoop() == inbound.eventLoop()
                  || !(inbound instanceof SocketChannel)) {
                join(outbound);
                return;
              }
              // A relay tunnel is a stream on its connection's thread: the user's connection moves
              // there, so that the tunnel's bytes cross no thread (what a connection of its own on
              // the inbound's thread did).
              Channels.moveTo(inbound, outbound.eventLoop())
                  .addListener(
                      m -> {
                        if (m.isSuccess()) {
                          join(outbound);
                        } else {
                          outbound.close();
                          end("could not move the connection to its tunnel's thread: " + m.cause());
                        }
                      });
            });
  }

  private void join(Channel outbound) {
    Splice.start(inbound, outbound, n -> up += n, n -> down += n);
    int[] open = {2};
    Runnable closed =
        () -> {
          if (--open[0] == 0) {
            end("closed");
          }
        };
    inbound.closeFuture().addListener(x -> closed.run());
    outbound.closeFuture().addListener(x -> closed.run());
  }

  /**
   * The standard RELAY (and NEVER-DIRECT) path: open a relay tunnel, answer the door, splice. A
   * failure is final: nothing is tried direct.
   */
  public void routeRelay() {
    route = "relay";
    EventLoop relayLoop = dialer.relayLoop();
    if (relayLoop != null && relayLoop != loop() && inbound instanceof SocketChannel) {
      // The tunnel will be a stream on that loop: move there first, so that opening it, its
      // answer, the door's reply and the bytes all happen on one thread.
      Channels.moveTo(inbound, relayLoop)
          .addListener(
              m -> {
                if (m.isSuccess()) {
                  connectRelay();
                } else {
                  end("could not move the connection to its relay's thread: " + m.cause());
                }
              });
      return;
    }
    connectRelay();
  }

  private void connectRelay() {
    if (fastOpen && reply.answersEarly() && dialer.relayReady()) {
      connectRelayEarly();
      return;
    }
    dialer
        .connectRelay(loop(), destination)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                splice((Channel) f.getNow(), "relay");
              } else {
                fail("relay", relayFailure(f.cause()));
              }
            });
  }

  /**
   * The relay route's fast open: the door is answered now, and the user's first bytes go to the
   * relay right behind the CONNECT ({@link EarlyData}). A failure then closes the user's connection
   * (there is no reply left to give); it is logged with its reason as any other.
   */
  private void connectRelayEarly() {
    ChannelFuture answered = succeed();
    EarlyData early = EarlyData.of(inbound);
    if (answered.isDone()) {
      startEarly(answered, early);
    } else {
      answered.addListener(f -> startEarly(answered, early));
    }
    dialer
        .connectRelay(loop(), destination, early)
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                fail("relay", relayFailure(f.cause()));
                return;
              }
              Channel tunnel = (Channel) f.getNow();
              if (answered.isDone() && !answered.isSuccess()) {
                tunnel.close();
                end("could not answer the door: " + answered.cause());
                return;
              }
              splice(tunnel, "relay", early.finish(tunnel, n -> up += n));
            });
  }

  private void startEarly(ChannelFuture answered, EarlyData early) {
    if (answered.isSuccess() && inbound.isActive()) {
      early.start();
    }
  }

  /**
   * The standard DIRECT path: resolve with the direct resolver (off the event loop), then go where
   * the router says with the addresses known ({@link #resolved}).
   */
  public void routeDirect() {
    route = "direct";
    dialer
        .resolveDirect(destination)
        .whenComplete(
            (addresses, error) ->
                loop()
                    .execute(
                        () -> {
                          if (error != null) {
                            fail("direct", DialException.of(error, "resolving " + destination));
                          } else {
                            resolved(addresses, () -> connectDirect(addresses));
                          }
                        }));
  }

  /**
   * With the addresses a name resolved to for a direct connection, the router decides again ({@link
   * Router#decideResolved}: an IP rule may now match) and the connection goes where it says: REJECT
   * fails, RELAY opens a relay tunnel, DIRECT connects and splices, AUTO runs {@code auto}
   * (detection's watched connect, or a plain one when the name's decision was DIRECT).
   */
  public void resolved(List<InetAddress> addresses, Runnable auto) {
    try {
      decision =
          Objects.requireNonNull(
              router.decideResolved(destination, addresses, decision), "decision");
    } catch (RuntimeException e) {
      fail("direct", new DialException(DialException.Kind.GENERAL, "router failed: " + e, e));
      return;
    }
    switch (decision.action()) {
      case REJECT -> reject();
      case RELAY, NEVER_DIRECT -> routeRelay();
      case DIRECT -> connectDirect(addresses);
      case AUTO -> auto.run();
    }
  }

  private DialException relayFailure(Throwable cause) {
    DialException e = DialException.of(cause, "relay to " + destination);
    if (decision == null || decision.action() != Action.NEVER_DIRECT) {
      return e;
    }
    return new DialException(
        e.kind(), e.getMessage() + "; never-direct: not tried direct, nor looked up locally", e);
  }

  /** Refuses the connection as the decision says. */
  void reject() {
    fail("reject", new DialException(DialException.Kind.REJECTED, "rejected: " + reasonText()));
  }

  /**
   * Connects direct to {@code addresses} with the dialer's timeout and splices; nothing watched.
   */
  private void connectDirect(List<InetAddress> addresses) {
    route = "direct";
    dialer
        .connectDirect(loop(), destination, addresses)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                splice((Channel) f.getNow(), "direct");
              } else {
                fail("direct", DialException.of(f.cause(), "direct to " + destination));
              }
            });
  }

  private String reasonText() {
    return decision == null ? "" : decision.reason();
  }

  private void end(String outcome) {
    if (ended) {
      return;
    }
    ended = true;
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    if (LOG.isInfoEnabled()) {
      StringBuilder b =
          new StringBuilder()
              .append("door=")
              .append(door)
              .append(" dest=")
              .append(destination)
              .append(" route=")
              .append(route)
              .append(" reason=\"")
              .append(reasonText())
              .append('"');
      if (!via.isEmpty()) {
        b.append(" via=\"").append(via).append('"');
      }
      b.append(" up=").append(up).append(" down=").append(down).append(" ms=").append(ms);
      b.append(" result=\"").append(outcome).append('"');
      if (notes.length() > 0) {
        b.append(" notes=\"").append(notes).append('"');
      }
      LOG.info(b.toString());
    }
    try {
      listener.ended(
          new ConnectionListener.Ended(
              java.time.Instant.now(),
              door,
              destination,
              route,
              reasonText(),
              via,
              up,
              down,
              ms,
              outcome,
              notes.toString()));
    } catch (RuntimeException e) {
      LOG.warn("connection listener failed: {}", e.toString());
    }
  }

  /** Collects the user's first flight for {@link #readFirstFlight}. */
  private static final class FlightCapture extends ChannelInboundHandlerAdapter {
    static final String NAME = "first-flight";
    private final Promise<ByteBuf> promise;
    private final int maxBytes;
    private final java.util.function.Predicate<byte[]> complete;
    private CompositeByteBuf collected;
    ScheduledFuture<?> timeout;

    FlightCapture(
        Promise<ByteBuf> promise, int maxBytes, java.util.function.Predicate<byte[]> complete) {
      this.promise = promise;
      this.maxBytes = maxBytes;
      this.complete = complete;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!(msg instanceof ByteBuf b) || promise.isDone()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      if (collected == null) {
        collected = ctx.alloc().compositeBuffer();
      }
      collected.addComponent(true, b);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (collected == null || promise.isDone()) {
        return;
      }
      byte[] bytes = io.netty.buffer.ByteBufUtil.getBytes(collected);
      boolean done;
      try {
        done = collected.readableBytes() >= maxBytes || complete.test(bytes);
      } catch (RuntimeException e) {
        done = true; // a parser that fails cannot ask for more bytes
      }
      if (done) {
        finish(take());
        ctx.pipeline().remove(this);
      } else {
        ctx.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (collected != null) {
        finish(take());
      } else {
        promise.tryFailure(
            new DialException(DialException.Kind.GENERAL, "client closed before sending"));
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && collected != null) {
        finish(take()); // the user sent its flight and then half-closed
        ctx.pipeline().remove(this);
      }
      ctx.fireUserEventTriggered(evt);
    }

    private ByteBuf take() {
      CompositeByteBuf c = collected;
      collected = null;
      return c;
    }

    /** On timeout: completes with what came so far, possibly nothing. */
    void finishNow(io.netty.buffer.ByteBufAllocator alloc) {
      finish(collected != null ? take() : alloc.buffer(0));
    }

    void finish(ByteBuf bytes) {
      if (timeout != null) {
        timeout.cancel(false);
      }
      if (!promise.trySuccess(bytes)) {
        bytes.release();
      }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      if (collected != null) {
        collected.release();
        collected = null;
      }
      if (timeout != null) {
        timeout.cancel(false);
      }
    }
  }
}
