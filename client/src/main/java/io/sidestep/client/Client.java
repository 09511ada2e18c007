package io.sidestep.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.sidestep.client.dashboard.Dashboard;
import io.sidestep.client.detect.Detection;
import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.detect.RelayResolver;
import io.sidestep.client.dial.AutoRoute;
import io.sidestep.client.dial.ConnectionListener;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.dial.RelayConnector;
import io.sidestep.client.dial.internal.DefaultDialer;
import io.sidestep.client.http.HttpDoor;
import io.sidestep.client.lists.ListUpdater;
import io.sidestep.client.probe.Prober;
import io.sidestep.client.relay.RelayTransport;
import io.sidestep.client.relay.TlsHello;
import io.sidestep.client.socks.SocksDoor;
import io.sidestep.client.socks.SocksLogin;
import io.sidestep.core.detect.InterceptionCheck;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.net.SystemResolver;
import io.sidestep.core.network.CurrentNetwork;
import io.sidestep.core.network.Network;
import io.sidestep.core.network.NetworkSource;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.ListCache;
import io.sidestep.core.rules.LiveRules;
import io.sidestep.core.rules.Router;
import io.sidestep.core.rules.RulesException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sidestep client: the HTTP door and the SOCKS5 door on one routing core. Start one with
 * {@link #builder()}; the command line and the integration tests use the same API.
 *
 * <p>Given a state directory ({@link Builder#stateDir}), the client is the one the command line
 * runs: it routes by the rules file and the learned blocklist (both re-read when they change),
 * detection watches the destinations no rule names with the relays' DNS-over-HTTPS as its control,
 * and what detection learns routes the host's next connection at once. Learned entries are kept per
 * network (the default gateway, its hardware address and the resolvers, read again every 5 s and
 * after a failed connection): only the current network's apply, with those of any network and those
 * of a host learned on two or more networks. Without one, {@link Builder#router} and {@link
 * Builder#autoRoute} decide (tests of a door or a route use that).
 *
 * <p>Defaults: HTTP door on 127.0.0.1:8080 with the dashboard at its {@code /} ({@link
 * io.sidestep.client.dashboard.Dashboard}), SOCKS5 door on 127.0.0.1:1080, no relays, no state
 * directory (so every destination AUTO, direct), the system resolver for direct traffic, no door
 * credentials, direct connect timeout 10 s, relay connect timeout (TCP and TLS) 5 s and then 15 s
 * for the relay's answer about the destination, a failed relay skipped for 30 s. With a state
 * directory: no rules file, {@link DetectionSettings#defaults()}, the JVM's trust store for the
 * interception check and for the servers of lists named by URL, which are fetched only through the
 * relays (looked at every {@link ListUpdater#TICK}). A door on a non-loopback address without
 * credentials is refused.
 */
public final class Client implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Client.class);

  /**
   * Event-loop threads by default: one. Every new connection is then accepted, answered, routed and
   * spliced on one thread, with no hand-over between threads; a relayed one also finds its relay's
   * connection on that thread (an HTTP/2 connection and its streams live on one thread whatever the
   * count). One thread carries far more than a user's network does (over 1 GB/s direct, in {@code
   * bench/tunnels.sh}), as one thread does in Chrome's network service, ss-local and squid;
   * blocking work (system DNS look-ups, files) runs on threads of its own.
   */
  public static final int DEFAULT_THREADS = 1;

  private final EventLoopGroup group;
  private final Resolver resolver;
  private final SocksDoor socks;
  private final HttpDoor http;
  private final Dispatcher dispatcher;
  private final Detection detection; // null without a state directory
  private final LiveRules rules; // null without a state directory
  private final ListUpdater lists; // null without a state directory
  private final Dashboard dashboard; // null when turned off
  private final CurrentNetwork network; // null without a state directory

  private Client(Builder b) {
    checkOpenProxy("http", b.http, b.credentials);
    checkOpenProxy("socks", b.socks, b.credentials);
    this.resolver = b.resolver != null ? b.resolver : new SystemResolver();
    this.group = new MultiThreadIoEventLoopGroup(b.threads, NioIoHandler.newFactory());
    Detection detection = null;
    LiveRules rules = null;
    ListUpdater lists = null;
    SocksDoor socksDoor = null;
    HttpDoor httpDoor = null;
    Dashboard dashboard = null;
    CurrentNetwork network = null;
    try {
      Router router = b.router;
      AutoRoute autoRoute = b.autoRoute;
      // One relay client for tunnels and for detection's DNS: one memory of relays that are down.
      RelayTransport relayClient =
          b.relays.isEmpty()
              ? null
              : new RelayTransport(
                  b.relays,
                  b.relayConnectTimeout,
                  b.relayDownFor,
                  resolver,
                  b.tlsHello,
                  b.relayLink);
      if (relayClient != null) {
        relayClient.warm(group); // the first tunnel finds its relay connection ready
      }
      if (b.stateDir != null) {
        network = new CurrentNetwork(b.networkSource);
        LOG.info(
            "network: {}",
            network
                .current()
                .map(Network::toString)
                .orElse(
                    "unknown (no default gateway seen; learned entries of every network apply)"));
        detection =
            new Detection(
                b.detection,
                b.stateDir,
                relayClient == null ? RelayResolver.NONE : relayClient,
                b.trust != null ? b.trust : InterceptionCheck.jvmTrustManager(),
                network,
                Clock.systemUTC());
        // A bad rules file throws RulesException, whose message is the FILE:LINE:COL text.
        ListCache cache = new ListCache(b.stateDir);
        rules =
            LiveRules.load(
                b.rulesFile,
                b.stateDir.resolve(LearnedStore.FILE_NAME),
                cache,
                LiveRules.DEFAULT_POLL,
                Clock.systemUTC());
        LiveRules live = rules;
        // Lists named by URL are fetched only through the relays, never direct.
        lists =
            new ListUpdater(
                () -> live.current().remoteLists(),
                cache,
                relayClient == null ? RelayConnector.NONE : relayClient,
                group,
                b.trust != null ? b.trust : InterceptionCheck.jvmTrustManager(),
                Clock.systemUTC(),
                () -> {
                  try {
                    live.reloadNow();
                  } catch (RulesException e) {
                    LOG.error("{}; keeping the previous rules", e.getMessage());
                  }
                });
        if (!b.listTick.isZero()) {
          lists.start(b.listTick);
        }
        // Only the current network's learned entries apply, from the start and after each move.
        rules.useNetwork(network.current());
        network.onChange(rules::useNetwork);
        network.watch(b.networkPoll);
        // What detection learns routes the host's next connection through the relay at once;
        // only the learned part is read again, not the user's rules and lists.
        detection.onLearned(rules);
        router = rules;
        autoRoute = detection.autoRoute();
      }
      if (b.neverDirect) {
        router = Router.neverDirect(router);
      }
      RelayConnector relays = relayClient == null ? RelayConnector.NONE : relayClient;
      this.dispatcher =
          new Dispatcher(
              router,
              new DefaultDialer(resolver, relays, b.connectTimeout, b.directLocalAddress),
              autoRoute);
      dispatcher.fastOpen(b.fastOpen);
      if (b.dashboard) {
        dashboard = dashboard(b, router, rules, lists, detection, relayClient, network);
      }
      ConnectionListener heard =
          dashboard == null ? ConnectionListener.NONE : dashboard.connections();
      if (network != null) {
        // A failed connection may mean the computer moved: read the network again (off this loop).
        CurrentNetwork n = network;
        dispatcher.onConnection(
            c -> {
              if (c.result().startsWith("failed")) {
                n.recheckSoon();
              }
              heard.ended(c);
            });
      } else {
        dispatcher.onConnection(heard);
      }
      socksDoor =
          SocksDoor.bind(
              "socks",
              b.socks,
              group,
              dispatcher,
              Optional.ofNullable(b.credentials).map(SocksLogin::of),
              b.handshakeTimeout);
      LOG.info("socks door listening on {}", format(socksDoor.address()));
      httpDoor =
          HttpDoor.start(
              b.http,
              group,
              dispatcher,
              Optional.ofNullable(b.credentials),
              socksDoor.address(),
              b.httpHostResolverHook,
              dashboard == null ? HttpDoor.OwnPages.NONE : dashboard);
      LOG.info("http door listening on {}", format(httpDoor.address()));
      LOG.info(
          "relays, in order: {}",
          b.relays.isEmpty()
              ? "none (sites that need one cannot be reached)"
              : String.join(
                  ", ",
                  b.relays.stream().map(k -> k.label() + " at " + k.relay().authority()).toList()));
    } catch (RuntimeException e) {
      if (lists != null) {
        lists.close();
      }
      shutdown(httpDoor, socksDoor, group, detection, rules, resolver, dashboard, network);
      throw e;
    }
    this.lists = lists;
    this.network = network;
    this.socks = socksDoor;
    this.http = httpDoor;
    this.detection = detection;
    this.rules = rules;
    this.dashboard = dashboard;
  }

  private Dashboard dashboard(
      Builder b,
      Router router,
      LiveRules rules,
      ListUpdater lists,
      Detection detection,
      RelayTransport transport,
      CurrentNetwork network) {
    List<AccessKey> keys = List.copyOf(b.relays);
    X509TrustManager trust = b.trust != null ? b.trust : InterceptionCheck.jvmTrustManager();
    return new Dashboard(
        new Dashboard.Sources(
            router,
            Optional.ofNullable(rules),
            Optional.ofNullable(detection).map(Detection::store),
            () ->
                keys.stream()
                    .map(
                        k -> {
                          boolean down = transport != null && transport.isDown(k);
                          return new Dashboard.RelayStatus(
                              k.label(),
                              k.relay().authority(),
                              !down,
                              down
                                  ? "a connection failed; skipped for "
                                      + b.relayDownFor.toSeconds()
                                      + " s"
                                  : "",
                              transport == null
                                  ? Optional.<Duration>empty()
                                  : transport.roundTrip(k));
                        })
                    .toList(),
            () -> new Prober(keys, resolver, b.detection, trust, Clock.systemUTC()),
            keys.stream().map(AccessKey::label).toList(),
            lists == null ? List::of : lists::statuses,
            network == null ? Optional::empty : network::current),
        Clock.systemUTC());
  }

  /**
   * Stops in an order that loses nothing: the doors first (no new connections), then the event
   * loops (every connection closed), then detection (it finishes writing what it learned), then the
   * rules' watcher, and last the resolver. Each step runs even when one before it failed; null
   * steps are skipped.
   */
  private static void shutdown(
      HttpDoor http,
      SocksDoor socks,
      EventLoopGroup group,
      Detection detection,
      LiveRules rules,
      Resolver resolver,
      Dashboard dashboard,
      CurrentNetwork network) {
    List<Runnable> steps = new ArrayList<>();
    if (http != null) {
      steps.add(http::close);
    }
    if (socks != null) {
      steps.add(socks::close);
    }
    steps.add(
        () -> {
          // Bounded: a stop (SIGTERM included) must never hang on a loop that does not report back.
          if (!group
              .shutdownGracefully(0, 2, TimeUnit.SECONDS)
              .awaitUninterruptibly(5, TimeUnit.SECONDS)) {
            LOG.warn("event loops still running 5 s after stop; leaving them");
          }
        });
    if (detection != null) {
      steps.add(detection::close);
    }
    if (rules != null) {
      steps.add(rules::close);
    }
    steps.add(resolver::close);
    if (dashboard != null) {
      steps.add(dashboard::close);
    }
    if (network != null) {
      steps.add(network::close);
    }
    RuntimeException first = null;
    for (Runnable step : steps) {
      try {
        step.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
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

  /**
   * The network the client is on now, whose learned entries apply; empty when it cannot be told and
   * without a state directory.
   */
  public Optional<Network> network() {
    return network == null ? Optional.empty() : network.current();
  }

  /**
   * Reads the network again now (the client also does every few seconds and after a failed
   * connection), applying its learned entries when it changed. Does nothing without a state
   * directory.
   */
  public void recheckNetwork() {
    if (network != null) {
      network.recheck();
    }
  }

  /** The routing core, for tests and for detection. */
  public Dispatcher dispatcher() {
    return dispatcher;
  }

  /**
   * Re-reads the rules file and the learned blocklist now (the client also re-reads them within a
   * second of a change). Does nothing without a state directory.
   *
   * @throws io.sidestep.core.rules.RulesException for a bad rules file; the previous rules stay
   */
  public void reloadRules() {
    if (rules != null) {
      rules.reloadNow();
    }
  }

  /**
   * Stops both doors, closes every connection, waits (a little) for what detection learned to be
   * written, and releases the threads.
   */
  @Override
  public void close() {
    if (lists != null) {
      lists.close();
    }
    shutdown(http, socks, group, detection, rules, resolver, dashboard, network);
  }

  /**
   * What keeps the lists named by URL up to date; empty without a state directory. Tests call its
   * {@link ListUpdater#tick()} when they set {@link Builder#listTick} to zero.
   */
  public Optional<ListUpdater> lists() {
    return Optional.ofNullable(lists);
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
    private TlsHello tlsHello = TlsHello.fromSystemProperty();
    private RelayTransport.Link relayLink = RelayTransport.Link.DEFAULT;
    private Duration handshakeTimeout = SocksDoor.DEFAULT_HANDSHAKE_TIMEOUT;
    private HttpDoor.HostResolverHook httpHostResolverHook = HttpDoor.HostResolverHook.NONE;
    private int threads = DEFAULT_THREADS;
    private java.net.InetAddress directLocalAddress;
    private Path stateDir;
    private Path rulesFile;
    private DetectionSettings detection = DetectionSettings.defaults();
    private X509TrustManager trust;
    private boolean dashboard = true;
    private boolean neverDirect;
    private boolean fastOpen = true;
    private Duration listTick = ListUpdater.TICK;
    private NetworkSource networkSource = NetworkSource.system();
    private Duration networkPoll = CurrentNetwork.DEFAULT_POLL;

    private Builder() {}

    /**
     * How often lists named by URL are looked at to fetch those that are due; zero for never on its
     * own (only {@link ListUpdater#tick()}). Default: {@link ListUpdater#TICK}.
     */
    public Builder listTick(Duration tick) {
      if (tick == null || tick.isNegative()) {
        throw new IllegalArgumentException(
            "listTick: " + tick + " (expected: zero or a positive duration)");
      }
      this.listTick = tick;
      return this;
    }

    /**
     * Where the client learns which network it is on, so that what it learned on one network
     * applies on that network only. Default: {@link NetworkSource#system()} (on Linux the default
     * gateway, its hardware address and the resolvers; elsewhere an unknown network, where every
     * learned entry applies). Tests give fakes.
     */
    public Builder networkSource(NetworkSource source) {
      this.networkSource = Objects.requireNonNull(source, "networkSource");
      return this;
    }

    /** How often the network is read again. Default: {@link CurrentNetwork#DEFAULT_POLL}. */
    public Builder networkPoll(Duration poll) {
      this.networkPoll = positive(poll, "networkPoll");
      return this;
    }

    /**
     * Sends every AUTO destination (what no rule names, and AUTO rules) only through a relay: never
     * a direct attempt, never a local look-up of the name; with no relay usable the connection
     * fails. Default: off (detection decides).
     */
    public Builder neverDirect(boolean on) {
      this.neverDirect = on;
      return this;
    }

    /**
     * Whether relayed tunnels open fast ({@link io.sidestep.client.dial.EarlyData}): the door
     * answers at once and the user's first bytes go with the relay's CONNECT. Default: on.
     */
    public Builder fastOpen(boolean on) {
      this.fastOpen = on;
      return this;
    }

    /** Serves the dashboard at the HTTP door's {@code /}. Default: on. */
    public Builder dashboard(boolean on) {
      this.dashboard = on;
      return this;
    }

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

    /**
     * Runs the client as the command line does (see {@link Client}): the learned blocklist in
     * {@code dir}, detection for destinations no rule names. {@link #router} and {@link #autoRoute}
     * are then unused. Default: none.
     */
    public Builder stateDir(Path dir) {
      this.stateDir = Objects.requireNonNull(dir, "stateDir");
      return this;
    }

    /** The user's rules, re-read when the file changes; needs {@link #stateDir}. Default: none. */
    public Builder rulesFile(Path file) {
      this.rulesFile = file;
      return this;
    }

    /** Detection's timeouts and address lists. Default: {@link DetectionSettings#defaults()}. */
    public Builder detection(DetectionSettings settings) {
      this.detection = Objects.requireNonNull(settings, "detection");
      return this;
    }

    /**
     * The roots the interception check trusts, and that a list's server must chain to. Default: the
     * JVM's trust store. Tests on loopback give their own CA.
     */
    public Builder detectionTrust(X509TrustManager trust) {
      this.trust = Objects.requireNonNull(trust, "trust");
      return this;
    }

    /** Decides each connection's route; unused with a {@link #stateDir}. Default: AUTO for all. */
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

    /**
     * What AUTO destinations do; unused with a {@link #stateDir}, where detection decides. Default:
     * {@link AutoRoute#DIRECT}.
     */
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
     * The ClientHello sent to every relay. Default: {@link TlsHello#CHROME}, unless the system
     * property {@code sidestep.tls.engine} says {@code openssl} or {@code jdk}.
     */
    public Builder tlsHello(TlsHello hello) {
      this.tlsHello = Objects.requireNonNull(hello, "tlsHello");
      return this;
    }

    /** How each relay's connection is kept alive and rotated (see {@link RelayTransport.Link}). */
    public Builder relayLink(RelayTransport.Link link) {
      this.relayLink = Objects.requireNonNull(link, "relayLink");
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

    /**
     * Event-loop threads for the doors, direct connections and relay connections ({@value
     * #DEFAULT_THREADS} by default; 0 means Netty's default, twice the cores).
     */
    public Builder threads(int threads) {
      if (threads < 0) {
        throw new IllegalArgumentException(
            "event-loop threads: " + threads + " (expected 0 or more)");
      }
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
     * @throws IllegalArgumentException for a door open to the network without credentials, or a bad
     *     rules file ({@link io.sidestep.core.rules.RulesException}, naming file, line and column)
     * @throws java.io.UncheckedIOException when an address cannot be bound
     */
    public Client start() {
      if (rulesFile != null && stateDir == null) {
        throw new IllegalStateException("rulesFile needs a stateDir");
      }
      return new Client(this);
    }
  }
}
