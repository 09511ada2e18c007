package io.sidestep.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.DefaultDialer;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.http.HttpDoor;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.client.socks.SocksDoor;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.net.SystemResolver;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Router;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sidestep client: the HTTP door and the SOCKS5 door on one routing core. Start one with
 * {@link #builder()}; the command line and the integration tests use the same API.
 *
 * <p>Defaults: HTTP door on 127.0.0.1:8080, SOCKS5 door on 127.0.0.1:1080, no relays, every
 * destination AUTO (direct until detection exists), the system resolver for direct traffic, no door
 * credentials, direct connect timeout 10 s, relay connect timeout (TCP and TLS) 5 s and then 15 s
 * for the relay's answer about the destination, a failed relay skipped for 30 s. A door on a
 * non-loopback address without credentials is refused.
 */
public final class Client implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Client.class);

  private final EventLoopGroup group;
  private final Resolver resolver;
  private final SocksDoor socks;
  private final HttpDoor http;
  private final Dispatcher dispatcher;

  private Client(Builder b) {
    checkOpenProxy("http", b.http, b.credentials);
    checkOpenProxy("socks", b.socks, b.credentials);
    this.resolver = b.resolver != null ? b.resolver : new SystemResolver();
    this.group = new MultiThreadIoEventLoopGroup(b.threads, NioIoHandler.newFactory());
    SocksDoor socksDoor = null;
    HttpDoor httpDoor = null;
    try {
      RelayConnector relays =
          b.relayClient != null
              ? b.relayClient
              : b.relays.isEmpty()
                  ? RelayConnector.NONE
                  : new RelayTransport(b.relays, b.relayConnectTimeout, b.relayDownFor, resolver);
      this.dispatcher =
          new Dispatcher(
              b.router,
              new DefaultDialer(resolver, relays, b.connectTimeout, b.directLocalAddress),
              b.autoRoute);
      socksDoor =
          SocksDoor.bind(
              "socks",
              b.socks,
              group,
              dispatcher,
              Optional.ofNullable(b.credentials),
              b.handshakeTimeout);
      LOG.info("socks door listening on {}", format(socksDoor.address()));
      httpDoor =
          HttpDoor.start(
              b.http,
              group,
              dispatcher,
              Optional.ofNullable(b.credentials),
              socksDoor.address(),
              b.httpHostResolverHook);
      LOG.info("http door listening on {}", format(httpDoor.address()));
    } catch (RuntimeException e) {
      if (socksDoor != null) {
        socksDoor.close();
      }
      if (httpDoor != null) {
        httpDoor.close();
      }
      group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      resolver.close();
      throw e;
    }
    this.socks = socksDoor;
    this.http = httpDoor;
  }

  private static void checkOpenProxy(
      String door, InetSocketAddress address, DoorCredentials credentials) {
    if (credentials == null
        && (address.getAddress() == null || !address.getAddress().isLoopbackAddress())) {
      throw new IllegalArgumentException(
          door
              + " door: "
              + format(address)
              + " is not a loopback address (expected: 127.0.0.1 or ::1, or give"
              + " --door-credentials USER:PASSWORD so that the door is not an open proxy)");
    }
  }

  static String format(InetSocketAddress a) {
    String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Where the HTTP door listens (the actual port when bound to port 0). */
  public InetSocketAddress httpAddress() {
    return http.address();
  }

  /** Where the SOCKS5 door listens (the actual port when bound to port 0). */
  public InetSocketAddress socksAddress() {
    return socks.address();
  }

  /** The routing core, for tests and for detection. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /** Stops both doors, closes every connection and releases the threads. */
  @Override
  public void close() {
    try {
      http.close();
    } finally {
      socks.close();
      // Bounded: a stop (SIGTERM included) must never hang on a loop that does not report back.
      if (!group
          .shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS)
          .awaitUninterruptibly(5, java.util.concurrent.TimeUnit.SECONDS)) {
        LOG.warn("event loops still running 5 s after stop; leaving them");
      }
      resolver.close();
    }
  }

  /** Settings for a {@link Client}; every one has a default (see {@link Client}). */
  public static final class Builder {
    private InetSocketAddress http = new InetSocketAddress("127.0.0.1", 8080);
    private InetSocketAddress socks = new InetSocketAddress("127.0.0.1", 1080);
    private final List<AccessKey> relays = new ArrayList<>();
    private Router router = destination -> Decision.auto();
    private Resolver resolver;
    private DoorCredentials credentials;
    private AutoRoute autoRoute = AutoRoute.DIRECT;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration relayConnectTimeout = RelayTransport.DEFAULT_CONNECT_TIMEOUT;
    private Duration relayDownFor = RelayTransport.DEFAULT_DOWN_FOR;
    private RelayTransport relayClient;
    private Duration handshakeTimeout = SocksDoor.DEFAULT_HANDSHAKE_TIMEOUT;
    private HttpDoor.HostResolverHook httpHostResolverHook = HttpDoor.HostResolverHook.NONE;
    private int threads = 0;
    private java.net.InetAddress directLocalAddress;

    private Builder() {}

    public Builder http(InetSocketAddress address) {
      this.http = Objects.requireNonNull(address, "http");
      return this;
    }

    public Builder socks(InetSocketAddress address) {
      this.socks = Objects.requireNonNull(address, "socks");
      return this;
    }

    /** Adds a relay; relays are tried in the order added. */
    public Builder relay(AccessKey key) {
      relays.add(Objects.requireNonNull(key, "key"));
      return this;
    }

    public Builder relays(List<AccessKey> keys) {
      keys.forEach(this::relay);
      return this;
    }

    public Builder router(Router router) {
      this.router = Objects.requireNonNull(router, "router");
      return this;
    }

    /** The resolver for direct traffic; the client closes it. Default: the system resolver. */
    public Builder resolver(Resolver resolver) {
      this.resolver = Objects.requireNonNull(resolver, "resolver");
      return this;
    }

    public Builder credentials(DoorCredentials credentials) {
      this.credentials = credentials;
      return this;
    }

    /** What AUTO destinations do; detection plugs in here. Default: {@link AutoRoute#DIRECT}. */
    public Builder autoRoute(AutoRoute autoRoute) {
      this.autoRoute = Objects.requireNonNull(autoRoute, "autoRoute");
      return this;
    }

    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    public Builder relayConnectTimeout(Duration timeout) {
      this.relayConnectTimeout = positive(timeout, "relayConnectTimeout");
      return this;
    }

    /**
     * The relay client to use, shared with whatever else asks the relays (detection's DNS), in
     * place of one made from {@link #relay} keys; null for none.
     */
    public Builder relayClient(RelayTransport client) {
      this.relayClient = client;
      return this;
    }

    /** How long a relay that failed to connect is skipped. */
    public Builder relayDownFor(Duration duration) {
      this.relayDownFor = Objects.requireNonNull(duration, "relayDownFor");
      return this;
    }

    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = positive(timeout, "handshakeTimeout");
      return this;
    }

    /**
     * Observes every look-up LittleProxy would make itself (tests count them: there must be none).
     */
    public Builder httpHostResolverHook(HttpDoor.HostResolverHook hook) {
      this.httpHostResolverHook = Objects.requireNonNull(hook, "hook");
      return this;
    }

    /**
     * Binds direct connections to this local address (default: the system chooses). Tests use
     * 127.0.0.2 so that an origin's recorded peer address shows a direct connection.
     */
    public Builder directLocalAddress(java.net.InetAddress address) {
      this.directLocalAddress = address;
      return this;
    }

    /** Event-loop threads; 0 means Netty's default (twice the cores). */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    private static Duration positive(Duration d, String name) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + ": " + d + " (expected: a positive duration)");
      }
      return d;
    }

    /**
     * Binds both doors and starts serving.
     *
     * @throws IllegalArgumentException for a door open to the network without credentials
     * @throws java.io.UncheckedIOException when an address cannot be bound
     */
    public Client start() {
      return new Client(this);
    }
  }
}
