package io.sidestep.client.http;

import io.netty.channel.EventLoopGroup;
import io.sidestep.client.DoorCredentials;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.socks.SocksDoor;
import io.sidestep.core.net.Printable;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import org.littleshoot.proxy.HttpProxyServer;
import org.littleshoot.proxy.TransportProtocol;
import org.littleshoot.proxy.impl.DefaultHttpProxyServer;
import org.littleshoot.proxy.impl.ServerGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP proxy door. A plain CONNECT as a connection's first request is taken before LittleProxy
 * decodes it (see {@link ConnectFront}); LittleProxy parses every other request, and the door's
 * filters check the door credentials (see {@link DoorFilters}). A CONNECT then leaves it: the core
 * answers it and splices the tunnel on the connection itself, as for the SOCKS5 door (see {@link
 * HandOff}). Plain HTTP stays LittleProxy's (absolute-form, keep-alive, hop-by-hop headers), and
 * its upstream is an internal SOCKS5 listener of the core on 127.0.0.1 (random port, random
 * credential; one hop per upstream connection, see {@link Hops}); while a hop connects, no thread
 * waits for it (see {@link Paused}). LittleProxy runs on the core's event loops. LittleProxy sends
 * the destination to a SOCKS5 upstream as a name and does not look it up (its SOCKS5 CONNECT uses
 * an unresolved address, and with a chained proxy it resolves only the proxy's own address, which
 * is a literal here); its resolver is nevertheless replaced by one that refuses, so no name can
 * reach a resolver through it.
 *
 * <p>Limits: request line 8 KiB, headers 32 KiB (a longer one gets 400 and the connection closes),
 * idle connections closed after 120 s (not a CONNECT's tunnel: like a SOCKS5 one, it lasts as long
 * as its two ends keep it).
 */
public final class HttpDoor implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HttpDoor.class);

  /** Observes look-ups LittleProxy asks for; there should be none. */
  @FunctionalInterface
  public interface HostResolverHook {
    void lookedUp(String host);

    HostResolverHook NONE = host -> {};
  }

  /**
   * Answers the requests addressed to the door itself ({@code GET /…}) other than {@code
   * /proxy.pac}: the dashboard. Called on the door's event loop.
   */
  @FunctionalInterface
  public interface OwnPages {
    /**
     * The response to {@code request}, or null for the door's 404. A response without a length (a
     * stream) stays open: write its content to {@code ctx.channel()} afterwards.
     */
    io.netty.handler.codec.http.HttpResponse answer(
        io.netty.handler.codec.http.HttpRequest request,
        io.netty.channel.ChannelHandlerContext ctx);

    OwnPages NONE = (request, ctx) -> null;
  }

  private final HttpProxyServer server;
  private final SocksDoor internal;

  private HttpDoor(HttpProxyServer server, SocksDoor internal) {
    this.server = server;
    this.internal = internal;
  }

  /**
   * Starts the door on {@code address}; {@code publicSocks} is named in the PAC file, {@code pages}
   * answers the door's own pages but the PAC file.
   */
  public static HttpDoor start(
      InetSocketAddress address,
      EventLoopGroup group,
      Dispatcher dispatcher,
      Optional<DoorCredentials> credentials,
      InetSocketAddress publicSocks,
      HostResolverHook hook,
      OwnPages pages) {
    Hops hops = new Hops();
    SocksDoor internal =
        SocksDoor.bind(
            "http",
            new InetSocketAddress("127.0.0.1", 0),
            group,
            dispatcher,
            Optional.of(hops.login()),
            SocksDoor.DEFAULT_HANDSHAKE_TIMEOUT);
    InetSocketAddress core = internal.address();
    DoorFilters filters = new DoorFilters(publicSocks, hops, dispatcher, pages, credentials);
    try {
      var bootstrap =
          DefaultHttpProxyServer.bootstrap()
              .withName("sidestep-http")
              .withAllowLocalOnly(false)
              .withAddress(address)
              .withChainProxyManager(
                  (request, proxies, client) ->
                      proxies.add(hops.open(core, client.getClientAddress())))
              .withServerResolver(
                  (host, port) -> {
                    hook.lookedUp(host);
                    LOG.error(
                        "http door: LittleProxy asked to resolve {}; refused",
                        Printable.escape(host));
                    throw new UnknownHostException(
                        host + ": the HTTP door never resolves names itself");
                  })
              .withFiltersSource(filters)
              .withMaxInitialLineLength(8192)
              .withMaxHeaderSize(32768)
              // Not a limit: the most body one HttpContent carries. LittleProxy writes and flushes
              // each one (from its server-side thread to the client's), so 8 KiB pieces cost a
              // system call and a thread hand-off per 8 KiB; 64 KiB matches a read's size.
              .withMaxChunkSize(65536)
              .withConnectTimeout(10_000)
              .withIdleConnectionTimeout(Duration.ofSeconds(120))
              .withProxyAlias(DoorFilters.VIA_ALIAS)
              .withServerGroup(
                  new CoreLoops(group, new ConnectFront.Loops(group, filters, dispatcher)));
      HttpProxyServer server = bootstrap.start();
      dropShutdownHook(server);
      return new HttpDoor(server, internal);
    } catch (RuntimeException e) {
      internal.close();
      throw new java.io.UncheckedIOException(
          new java.io.IOException(
              "http door: cannot listen on " + address + ": " + e.getMessage(), e));
    }
  }

  /**
   * LittleProxy registers a JVM shutdown hook of its own that stops the server. The client's close
   * stops this door in its order (its own hook, for {@code run}); LittleProxy's, running beside it
   * at exit, closed channels on event loops already stopped and logged an ERROR with a stack trace
   * at every exit. So it is taken away. LittleProxy has no option for this; where its field is not
   * found (another version), the hook stays, with that log line.
   */
  static void dropShutdownHook(HttpProxyServer server) {
    Thread hook = shutdownHook(server);
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is exiting already
      }
    }
  }

  /** LittleProxy's shutdown hook for {@code server}, or null if it cannot be found. */
  static Thread shutdownHook(HttpProxyServer server) {
    try {
      java.lang.reflect.Field f = server.getClass().getDeclaredField("jvmShutdownHook");
      f.setAccessible(true);
      return (Thread) f.get(server);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("http door: LittleProxy's shutdown hook not found: {}", e.toString());
      return null;
    }
  }

  /** The LittleProxy server behind the door (tests). */
  HttpProxyServer server() {
    return server;
  }

  /** Where the door listens, with the actual port when bound to port 0. */
  public InetSocketAddress address() {
    return server.getListenAddress();
  }

  /**
   * Stops the door: closes its listening socket and its connections; the threads are the core's.
   */
  @Override
  public void close() {
    try {
      server.stop();
    } finally {
      internal.close();
    }
  }

  /**
   * LittleProxy on the core's event loops: it accepts, serves browsers and connects its hops there,
   * so a CONNECT handed to the core stays on the thread it came in on, and stopping the door leaves
   * the loops running.
   */
  private static final class CoreLoops extends ServerGroup {
    private final EventLoopGroup group;
    private final EventLoopGroup fronted;

    /** {@code fronted}: the same loops, with {@link ConnectFront} before each connection. */
    CoreLoops(EventLoopGroup group, EventLoopGroup fronted) {
      super("sidestep-http", 0, 0, 0, false);
      this.group = group;
      this.fronted = fronted;
    }

    @Override
    public EventLoopGroup getClientToProxyAcceptorPoolForTransport(TransportProtocol protocol) {
      return group;
    }

    @Override
    public EventLoopGroup getClientToProxyWorkerPoolForTransport(TransportProtocol protocol) {
      return fronted;
    }

    @Override
    public EventLoopGroup getProxyToServerWorkerPoolForTransport(TransportProtocol protocol) {
      return group;
    }

    @Override
    public void shutdown(boolean graceful) {
      // The core's loops are the core's to shut down.
    }
  }
}
