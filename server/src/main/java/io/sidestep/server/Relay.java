package io.sidestep.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sidestep.core.files.AtomicFiles;
import io.sidestep.core.files.FileWatcher;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.net.Failure;
import io.sidestep.core.net.Resolver;
import io.sidestep.core.net.SystemResolver;
import io.sidestep.core.netty.Failures;
import io.sidestep.core.netty.TunnelOptions;
import io.sidestep.core.relay.AccessKey;
import io.sidestep.core.route.Destination;
import io.sidestep.core.tls.CertifiedKey;
import io.sidestep.core.tls.TlsEngines;
import io.sidestep.server.internal.Accounts;
import io.sidestep.server.internal.AdminServer;
import io.sidestep.server.internal.Authenticator;
import io.sidestep.server.internal.DecoySite;
import io.sidestep.server.internal.DestinationDialer;
import io.sidestep.server.internal.DestinationPolicy;
import io.sidestep.server.internal.DohResponder;
import io.sidestep.server.internal.FleetTrust;
import io.sidestep.server.internal.Metrics;
import io.sidestep.server.internal.RedisUsage;
import io.sidestep.server.internal.RelayContext;
import io.sidestep.server.internal.RelayInitializer;
import io.sidestep.server.internal.RevocationsWatcher;
import io.sidestep.server.internal.SourceLimits;
import io.sidestep.server.internal.SwappableSslContext;
import io.sidestep.server.internal.TlsSniffer;
import io.sidestep.server.internal.Usage;
import io.sidestep.server.internal.UsersWatcher;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running relay: a TLS listener that is an HTTPS forward proxy to its users and an ordinary small
 * web site to everyone else.
 *
 * <pre>{@code
 * try (Relay relay = Relay.builder()
 *         .listen(new InetSocketAddress("127.0.0.1", 0))
 *         .stateDir(tempDir)
 *         .allowDestination(Cidr.parse("127.0.0.1/32")) // let tests reach local origins
 *         .start()) {
 *   AccessKey key = relay.addUser("alice");          // sidestep://alice:TOKEN@127.0.0.1:PORT?pin=...
 *   InetSocketAddress where = relay.address();       // the bound port
 * }
 * }</pre>
 *
 * <p>On start it logs {@code listening on HOST:PORT} with the port actually bound.
 */
public final class Relay implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Relay.class);

  /** TLS 1.3's suites, then Mozilla's "intermediate" TLS 1.2 suites, in its order. */
  static final List<String> TLS12_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private final Path stateDir;
  private volatile CertifiedKey identity;
  private SwappableSslContext ssl;
  private Path certFile;
  private Path keyFile;
  private final InetSocketAddress address;
  private final Channel serverChannel;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor blocking;
  private final ScheduledExecutorService scheduler;
  private final UsersWatcher watcher;
  private final Resolver ownResolver;
  private final Accounts accounts;
  private Channel adminChannel;
  private RevocationsWatcher revocations;
  private RedisUsage shared;

  private Relay(
      Path stateDir,
      CertifiedKey identity,
      InetSocketAddress address,
      Channel serverChannel,
      EventLoopGroup boss,
      EventLoopGroup workers,
      ThreadPoolExecutor blocking,
      ScheduledExecutorService scheduler,
      UsersWatcher watcher,
      Resolver ownResolver,
      Accounts accounts) {
    this.stateDir = stateDir;
    this.identity = identity;
    this.address = address;
    this.serverChannel = serverChannel;
    this.boss = boss;
    this.workers = workers;
    this.blocking = blocking;
    this.scheduler = scheduler;
    this.watcher = watcher;
    this.ownResolver = ownResolver;
    this.accounts = accounts;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address the relay listens on, with the port actually bound (never 0). */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * The admin listener's address (metrics, health), with the port actually bound; empty when the
   * relay has none.
   */
  public java.util.Optional<InetSocketAddress> adminAddress() {
    return java.util.Optional.ofNullable(adminChannel)
        .map(c -> (InetSocketAddress) c.localAddress());
  }

  /** The certificate the relay serves. */
  public X509Certificate certificate() {
    return identity.certificate();
  }

  /** The {@code sha256/BASE64} pin of the relay's public key, as access keys carry it. */
  public String pin() {
    return identity.pin();
  }

  public Path stateDir() {
    return stateDir;
  }

  /**
   * Adds a user (to the users file, so it survives restarts) and returns its access key, pointing
   * at {@link #address()} and pinning {@link #certificate()}. The user can connect as soon as this
   * returns.
   */
  public AccessKey addUser(String name) {
    String host = address.getAddress().getHostAddress();
    AccessKey key =
        Users.in(stateDir).add(name, Destination.of(host, address.getPort()), certificate());
    watcher.poll();
    return key;
  }

  /** As {@link #addUser(String)}, with limits. */
  public AccessKey addUser(String name, Limits limits) {
    String host = address.getAddress().getHostAddress();
    AccessKey key =
        Users.in(stateDir)
            .add(name, Destination.of(host, address.getPort()), certificate(), limits);
    watcher.poll();
    return key;
  }

  /** Changes a user's limits; they apply as soon as this returns. */
  public Limits setLimits(String name, java.util.function.UnaryOperator<Limits> change) {
    Limits l = Users.in(stateDir).setLimits(name, change);
    watcher.poll();
    return l;
  }

  /**
   * Gives a user a new token and returns the new access key; the old one is refused and the user's
   * open connections are closed as soon as this returns.
   */
  public AccessKey rotateUser(String name) {
    String host = address.getAddress().getHostAddress();
    AccessKey key =
        Users.in(stateDir).rotate(name, Destination.of(host, address.getPort()), certificate());
    watcher.poll();
    return key;
  }

  /** Removes a user; its key stops working and its connections close as soon as this returns. */
  public boolean removeUser(String name) {
    boolean removed = Users.in(stateDir).remove(name);
    watcher.poll();
    return removed;
  }

  /** Saves every user's usage to the state directory now (it is also saved periodically). */
  public void saveUsage() {
    accounts.save();
  }

  /**
   * Reads the users file now if it changed, instead of waiting for the next poll. A file that does
   * not parse is logged and the previous users stay in force.
   */
  public void reloadUsers() {
    watcher.poll();
    if (revocations != null) {
      revocations.poll();
    }
  }

  /**
   * Reads the users file and the certificate again (SIGHUP does this), and serves the new
   * certificate to new connections; open connections keep theirs, so no tunnel drops. A relay
   * started with {@link Builder#identity} has no files to re-read and keeps its certificate. A
   * certificate that does not load is logged and the previous one stays in force.
   */
  public synchronized void reload() {
    watcher.reload();
    if (revocations != null) {
      revocations.reload();
    }
    if (certFile == null) {
      return;
    }
    try {
      CertifiedKey next = RelayCertificate.load(certFile, keyFile);
      ssl.swap(Builder.tlsContext(next));
      identity = next;
      log.info("certificate reloaded from {}: pin {}", certFile, next.pin());
    } catch (RuntimeException e) {
      log.error("certificate not reloaded, the previous one stays in force: {}", e.getMessage());
    }
  }

  /**
   * Drains: stops accepting connections (the admin listener's {@code /readyz} turns 503), waits for
   * users' connections to finish, for at most {@code max}, then {@link #close}s. Blocks the calling
   * thread.
   */
  public void drain(Duration max) {
    serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    int open = accounts.openConnections();
    if (open > 0) {
      log.info("draining: {} user connections open, waiting up to {} s", open, max.toSeconds());
    }
    long deadline = System.nanoTime() + max.toNanos();
    try {
      while (accounts.openConnections() > 0 && System.nanoTime() - deadline < 0) {
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    open = accounts.openConnections();
    if (open > 0) {
      log.info("drain time over: closing {} user connections", open);
    }
    close();
  }

  /** Stops listening, closes every connection and waits (at most a few seconds) for that. */
  @Override
  public void close() {
    watcher.close();
    serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    if (adminChannel != null) {
      adminChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    boss.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    blocking.shutdownNow();
    scheduler.shutdownNow();
    if (ownResolver != null) {
      ownResolver.close();
    }
    accounts.save();
    if (shared != null) {
      shared.close();
    }
    log.info("stopped listening on {}", hostPort(address));
  }

  static String hostPort(InetSocketAddress a) {
    String h = a.getAddress().getHostAddress();
    return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /**
   * Configures a relay. Defaults: listen on 0.0.0.0:443; state directory {@code ~/.sidestep-relay};
   * the state directory's certificate (generated on first start); no destination exceptions; the
   * built-in decoy page and no fallback server; the JVM's resolver; TLS handshake (and the bytes
   * before it) within 60 s, as nginx; idle timeout 5 min; outbound connect timeout 10 s; users file
   * polled, and users' limits enforced on open connections, every second; usage saved every minute
   * and at close; request heads within 60 s and kept-alive connections closed after 75 s quiet
   * (nginx's defaults); Netty's default number of I/O threads; per source address at most 256
   * unauthenticated connections and 100 new connections a second, and unauthenticated connections
   * in all at most half the open-file limit; no admin listener.
   */
  public static final class Builder {
    private InetSocketAddress listen = new InetSocketAddress("0.0.0.0", 443);
    private Path stateDir = defaultStateDir();
    private CertifiedKey identity;
    private final List<Cidr> allowed = new ArrayList<>();
    private Path decoyDir;
    private InetSocketAddress fallback;
    private Resolver resolver;
    private Duration handshakeTimeout = Duration.ofSeconds(60);
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration usersPollInterval = Duration.ofSeconds(1);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private Duration keepAliveTimeout = Duration.ofSeconds(75);
    private Duration usageSaveInterval = Duration.ofMinutes(1);
    private InetSocketAddress admin;
    private Path certFile;
    private Path keyFile;
    private int maxUnauthenticatedPerSource = 256;
    private int maxUnauthenticated = defaultMaxUnauthenticated();
    private int acceptsPerSecondPerSource = 100;
    private int ioThreads;
    private boolean logDestinations;
    private io.sidestep.server.fleet.TrustKey trustKey;
    private Path revocationsFile;
    private java.net.URI usageStore;

    private Builder() {}

    /** {@code ~/.sidestep-relay}. */
    public static Path defaultStateDir() {
      return Path.of(System.getProperty("user.home"), ".sidestep-relay");
    }

    public Builder listen(InetSocketAddress address) {
      this.listen = address;
      return this;
    }

    public Builder listen(String host, int port) {
      return listen(new InetSocketAddress(host, port));
    }

    public Builder stateDir(Path dir) {
      this.stateDir = dir;
      return this;
    }

    /**
     * Serves the key and certificate in these PEM files instead of the state directory's, and reads
     * them again when they change or on {@link Relay#reload}.
     */
    public Builder identityFiles(Path cert, Path key) {
      this.certFile = cert;
      this.keyFile = key;
      return this;
    }

    /** Serves this key and certificate instead of the state directory's. */
    public Builder identity(CertifiedKey key) {
      this.identity = key;
      return this;
    }

    /** Permits destinations in {@code block} although they are not public. */
    public Builder allowDestination(Cidr block) {
      this.allowed.add(block);
      return this;
    }

    public Builder allowDestinations(List<Cidr> blocks) {
      this.allowed.addAll(blocks);
      return this;
    }

    /** Serves the files of {@code dir} to strangers instead of the built-in page. */
    public Builder decoyDir(Path dir) {
      this.decoyDir = dir;
      return this;
    }

    /**
     * Hands every TLS connection whose first request is not a user's proxy request to this
     * plain-HTTP web server, replaying its bytes and splicing the two, so strangers get that
     * server's own answers byte for byte; null (the default) lets the decoy site answer. Bytes that
     * are not TLS still get the relay's own answer, as on any HTTPS port.
     */
    public Builder fallback(InetSocketAddress server) {
      this.fallback = server;
      return this;
    }

    /**
     * How destination names are resolved; by default the system's resolver, 32 look-ups at once and
     * at most 4096 waiting, closed with the relay.
     */
    public Builder resolver(Resolver resolver) {
      this.resolver = resolver;
      return this;
    }

    public Builder handshakeTimeout(Duration d) {
      this.handshakeTimeout = positive("handshake timeout", d);
      return this;
    }

    public Builder idleTimeout(Duration d) {
      this.idleTimeout = positive("idle timeout", d);
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive("connect timeout", d);
      return this;
    }

    /**
     * How long a request head may take to arrive, counted from the connection's start (or from the
     * first byte of a kept-alive connection's next request). Default 60 s, nginx's.
     */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive("request timeout", d);
      return this;
    }

    /**
     * How long a kept-alive connection may wait for its next request before it is closed. Default
     * 75 s, nginx's.
     */
    public Builder keepAliveTimeout(Duration d) {
      this.keepAliveTimeout = positive("keep-alive timeout", d);
      return this;
    }

    public Builder usersPollInterval(Duration d) {
      this.usersPollInterval = positive("users poll interval", d);
      return this;
    }

    /**
     * Serves metrics ({@code /metrics}) and health ({@code /healthz}, {@code /readyz}) over plain
     * HTTP on {@code address}, which should be loopback or private. Default: no admin listener.
     */
    public Builder admin(InetSocketAddress address) {
      this.admin = address;
      return this;
    }

    /**
     * At most this many connections that have not authenticated (yet) from one source address; more
     * are closed at once. Default 256.
     */
    public Builder maxUnauthenticatedPerSource(int n) {
      this.maxUnauthenticatedPerSource = atLeastOne("max unauthenticated per source", n);
      return this;
    }

    /**
     * At most this many unauthenticated connections in all, so that descriptors stay for users'
     * connections and their destinations. Default: half the open-file limit ({@code ulimit -n}).
     */
    public Builder maxUnauthenticated(int n) {
      this.maxUnauthenticated = atLeastOne("max unauthenticated", n);
      return this;
    }

    /**
     * New connections one source address may open per second (with a second's burst). Default 100.
     */
    public Builder acceptsPerSecondPerSource(int n) {
      this.acceptsPerSecondPerSource = atLeastOne("accepts per second per source", n);
      return this;
    }

    private static int atLeastOne(String what, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(what + ": " + n + " (expected: at least 1)");
      }
      return n;
    }

    /** Half the process's open-file limit, or 4096 where it cannot be read. */
    static int defaultMaxUnauthenticated() {
      if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
        return (int)
            Math.max(16, Math.min(Integer.MAX_VALUE, unix.getMaxFileDescriptorCount() / 2));
      }
      return 4096;
    }

    /** How often users' usage is saved to the state directory; also at close. Default 1 min. */
    public Builder usageSaveInterval(Duration d) {
      this.usageSaveInterval = positive("usage save interval", d);
      return this;
    }

    /**
     * Names each user connection's destination in its log line. Off by default: then the log keeps
     * who used the relay, how much and how long, but not where to.
     */
    public Builder logDestinations(boolean on) {
      this.logDestinations = on;
      return this;
    }

    /**
     * Accepts access keys whose token {@code key}'s private half signed (see {@link
     * io.sidestep.server.fleet.SignedToken}), with the limits they carry, besides the users file's.
     * Default: none.
     */
    public Builder trustKey(io.sidestep.server.fleet.TrustKey key) {
      this.trustKey = key;
      return this;
    }

    /**
     * The fleet's signed revocation list, read at start and again within the users poll interval of
     * a change; the connections of a key it revokes are closed then. Needs {@link #trustKey}.
     * Default: none.
     */
    public Builder revocations(Path file) {
      this.revocationsFile = file;
      return this;
    }

    /**
     * Shares users' usage counters with the other relays of a fleet in this Redis ({@code
     * redis://HOST:PORT[/DB]}), so that a quota holds across them; usage is still counted (and
     * saved) here too, and alone while Redis cannot be reached. Default: none, each relay counts
     * alone.
     */
    public Builder usageStore(java.net.URI redis) {
      this.usageStore = redis == null ? null : RedisUsage.parse(redis.toString());
      return this;
    }

    /** I/O threads; 0 (the default) lets Netty choose (twice the cores). */
    public Builder ioThreads(int n) {
      this.ioThreads = n;
      return this;
    }

    private static Duration positive(String what, Duration d) {
      if (d.isZero() || d.isNegative()) {
        throw new IllegalArgumentException(what + ": " + d + " (expected: more than zero)");
      }
      return d;
    }

    /**
     * Loads the users and the certificate (creating it if needed), binds and starts serving.
     *
     * @throws IllegalArgumentException for a bad users file, certificate or decoy directory
     * @throws UncheckedIOException when the address cannot be bound, saying why
     */
    public Relay start() {
      AtomicFiles.createPrivateDirectories(stateDir);
      CertifiedKey key =
          identity != null
              ? identity
              : certFile != null
                  ? RelayCertificate.load(certFile, keyFile)
                  : RelayCertificate.loadOrCreate(stateDir, listen.getHostString());
      Path watchedCert =
          identity != null
              ? null
              : certFile != null ? certFile : stateDir.resolve(RelayCertificate.CERT_FILE);
      Path watchedKey =
          identity != null
              ? null
              : keyFile != null ? keyFile : stateDir.resolve(RelayCertificate.KEY_FILE);
      DecoySite decoy = new DecoySite(decoyDir);
      if (revocationsFile != null && trustKey == null) {
        throw new IllegalArgumentException(
            "revocations: " + revocationsFile + " given without a trust key (expected: both)");
      }
      FleetTrust fleet = trustKey == null ? null : new FleetTrust(trustKey, Clock.systemUTC());
      Authenticator auth = new Authenticator(fleet);
      Path usageFile = stateDir.resolve(Usage.FILE_NAME);
      Accounts accounts = new Accounts(Usage.load(usageFile, Clock.systemUTC()), usageFile, fleet);
      UsersWatcher watcher = new UsersWatcher(stateDir.resolve(Users.FILE_NAME), auth, accounts);
      RevocationsWatcher revocations =
          revocationsFile == null ? null : new RevocationsWatcher(revocationsFile, fleet, accounts);
      if (revocations != null) {
        revocations.loadOrThrow();
      }
      String version = Relay.class.getPackage().getImplementationVersion();
      Metrics metrics = new Metrics(accounts, version == null ? "development" : version);
      accounts.metrics(metrics);
      watcher.loadOrThrow();

      SwappableSslContext ssl = new SwappableSslContext(tlsContext(key));

      Resolver ownResolver = resolver == null ? new SystemResolver(32, 4096) : null;
      Resolver resolver = ownResolver != null ? ownResolver : this.resolver;
      ThreadPoolExecutor blocking =
          new ThreadPoolExecutor(
              32, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), daemon("relay-dns"));
      blocking.allowCoreThreadTimeOut(true);
      ScheduledExecutorService scheduler =
          Executors.newSingleThreadScheduledExecutor(daemon("relay-users"));
      DestinationPolicy policy = new DestinationPolicy(allowed);
      RelayContext rc =
          new RelayContext(
              auth,
              new DestinationDialer(
                  resolver, policy, (int) connectTimeout.toMillis(), metrics::connectTime),
              decoy,
              new DohResponder(resolver, policy),
              blocking,
              requestTimeout.toMillis(),
              keepAliveTimeout.toMillis(),
              fallback,
              logDestinations,
              accounts,
              metrics);

      SourceLimits sourceLimits =
          new SourceLimits(
              maxUnauthenticatedPerSource, maxUnauthenticated, acceptsPerSecondPerSource, metrics);
      scheduler.scheduleWithFixedDelay(sourceLimits::forgetIdle, 10, 10, TimeUnit.SECONDS);
      EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      EventLoopGroup workers =
          new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
      ChannelFuture bound =
          TunnelOptions.inbound(new ServerBootstrap())
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childHandler(
                  new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                    private final RelayInitializer relay =
                        new RelayInitializer(
                            ssl, rc, handshakeTimeout.toMillis(), idleTimeout.toMillis());

                    @Override
                    protected void initChannel(io.netty.channel.Channel ch) {
                      ch.pipeline().addLast("source-limits", sourceLimits).addLast(relay);
                    }
                  })
              .bind(listen)
              .awaitUninterruptibly();
      if (!bound.isSuccess()) {
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        blocking.shutdownNow();
        scheduler.shutdownNow();
        if (ownResolver != null) {
          ownResolver.close();
        }
        throw new UncheckedIOException(
            "cannot listen on " + hostPort(listen) + ": " + bindError(bound.cause(), listen),
            bound.cause() instanceof java.io.IOException io
                ? io
                : new java.io.IOException(bound.cause()));
      }
      InetSocketAddress actual = (InetSocketAddress) bound.channel().localAddress();
      Channel adminChannel = null;
      if (admin != null) {
        Channel main = bound.channel();
        ChannelFuture adminBound =
            new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .childHandler(new AdminServer(metrics, main::isActive))
                .bind(admin)
                .awaitUninterruptibly();
        if (!adminBound.isSuccess()) {
          main.close().awaitUninterruptibly();
          boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
          workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
          blocking.shutdownNow();
          scheduler.shutdownNow();
          if (ownResolver != null) {
            ownResolver.close();
          }
          throw new UncheckedIOException(
              "cannot listen on "
                  + hostPort(admin)
                  + " (--admin): "
                  + bindError(adminBound.cause(), admin),
              new java.io.IOException(adminBound.cause()));
        }
        adminChannel = adminBound.channel();
        log.info(
            "admin (metrics, health) on http://{}",
            hostPort((InetSocketAddress) adminChannel.localAddress()));
      }
      watcher.start(scheduler, usersPollInterval);
      long enforceMs = Math.max(10, usersPollInterval.toMillis());
      RedisUsage shared = null;
      if (usageStore != null) {
        shared = new RedisUsage(usageStore, Clock.systemUTC(), enforceMs, accounts::enforce);
        accounts.shared(shared);
        log.info("usage counted across the fleet in {}", shared.describe());
      }
      if (revocations != null) {
        scheduler.scheduleWithFixedDelay(
            revocations::poll, enforceMs, enforceMs, TimeUnit.MILLISECONDS);
      }
      scheduler.scheduleWithFixedDelay(
          accounts::enforce, enforceMs, enforceMs, TimeUnit.MILLISECONDS);
      long saveMs = usageSaveInterval.toMillis();
      scheduler.scheduleWithFixedDelay(accounts::save, saveMs, saveMs, TimeUnit.MILLISECONDS);
      log.info("listening on {}", hostPort(actual));
      log.debug("TLS engine: {}", TlsEngines.describe());
      log.info(
          "pin {}, {} users, state {}{}",
          key.pin(),
          auth.size(),
          stateDir,
          allowed.isEmpty() ? "" : ", destinations also allowed: " + allowed);
      if (fleet != null) {
        log.info(
            "fleet: accepting keys signed by {}{}",
            fleet.key(),
            revocationsFile == null ? "" : ", revocations from " + revocationsFile);
      }
      Relay relay =
          new Relay(
              stateDir,
              key,
              actual,
              bound.channel(),
              boss,
              workers,
              blocking,
              scheduler,
              watcher,
              ownResolver,
              accounts);
      relay.adminChannel = adminChannel;
      relay.ssl = ssl;
      relay.certFile = watchedCert;
      relay.keyFile = watchedKey;
      relay.revocations = revocations;
      relay.shared = shared;
      if (watchedCert != null) {
        FileWatcher certWatch = new FileWatcher(List.of(watchedCert, watchedKey));
        certWatch.changed(); // as loaded
        scheduler.scheduleWithFixedDelay(
            () -> {
              if (certWatch.changed()) {
                relay.reload();
              }
            },
            enforceMs,
            enforceMs,
            TimeUnit.MILLISECONDS);
      }
      return relay;
    }

    /** The server TLS context for {@code key}. */
    static SslContext tlsContext(CertifiedKey key) {
      SslContext ssl;
      try {
        ssl =
            TlsEngines.build(
                SslContextBuilder.forServer(key.privateKey(), key.chain())
                    .protocols("TLSv1.3", "TLSv1.2")
                    // What a careful nginx offers (Mozilla's "intermediate" suites and groups), and
                    // nginx's five-minute sessions, so that the TLS layer tells strangers nothing
                    // either. (The JDK's engine ignores the groups option.)
                    .ciphers(TLS12_SUITES)
                    .option(OpenSslContextOption.GROUPS, new String[] {"X25519", "P-256", "P-384"})
                    .sessionTimeout(300)
                    // Like nginx with http2: h2 when a client offers it (the relay link's tunnels
                    // are HTTP/2 streams), else http/1.1. A client that offers only others gets
                    // alert 120 (see TlsSniffer).
                    .applicationProtocolConfig(
                        new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            TlsSniffer.PROTOCOLS)));
      } catch (SSLException e) {
        throw new IllegalArgumentException(
            "cannot use the relay certificate: " + e.getMessage(), e);
      }
      return ssl;
    }

    private static String bindError(Throwable cause, InetSocketAddress listen) {
      String m = cause.getMessage() == null ? cause.toString() : cause.getMessage();
      if (Failures.kindOf(cause) != Failure.ADDRESS_IN_USE) {
        return m;
      }
      // The JDK gives one type for a port in use, a port not permitted and an address not ours.
      return m
          + (listen.getPort() < 1024
              ? " (a port below 1024 needs root or CAP_NET_BIND_SERVICE, and no other process may"
                  + " listen there; try --listen 0.0.0.0:8443)"
              : " (another process listens there, or the address is not this host's; pick another"
                  + " --listen port)");
    }

    private static ThreadFactory daemon(String name) {
      AtomicInteger n = new AtomicInteger();
      return r -> {
        Thread t = new Thread(r, name + "-" + n.incrementAndGet());
        t.setDaemon(true);
        return t;
      };
    }
  }
}
