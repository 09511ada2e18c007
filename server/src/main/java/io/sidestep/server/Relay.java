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
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.sidestep.core.files.AtomicFiles;
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
import io.sidestep.server.internal.Authenticator;
import io.sidestep.server.internal.DecoySite;
import io.sidestep.server.internal.DestinationPolicy;
import io.sidestep.server.internal.Dialer;
import io.sidestep.server.internal.DohResponder;
import io.sidestep.server.internal.RelayContext;
import io.sidestep.server.internal.RelayInitializer;
import io.sidestep.server.internal.UsersWatcher;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
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

  private final Path stateDir;
  private final CertifiedKey identity;
  private final InetSocketAddress address;
  private final Channel serverChannel;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final ThreadPoolExecutor blocking;
  private final ScheduledExecutorService scheduler;
  private final UsersWatcher watcher;
  private final Resolver ownResolver;

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
      Resolver ownResolver) {
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
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The address the relay listens on, with the port actually bound (never 0). */
  public InetSocketAddress address() {
    return address;
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

  /** Removes a user; its key stops working as soon as this returns. */
  public boolean removeUser(String name) {
    boolean removed = Users.in(stateDir).remove(name);
    watcher.poll();
    return removed;
  }

  /**
   * Reads the users file now if it changed, instead of waiting for the next poll. A file that does
   * not parse is logged and the previous users stay in force.
   */
  public void reloadUsers() {
    watcher.poll();
  }

  /** Stops listening, closes every connection and waits (at most a few seconds) for that. */
  @Override
  public void close() {
    watcher.close();
    serverChannel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    boss.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    workers.terminationFuture().awaitUninterruptibly(3, TimeUnit.SECONDS);
    blocking.shutdownNow();
    scheduler.shutdownNow();
    if (ownResolver != null) {
      ownResolver.close();
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
   * built-in decoy page; the JVM's resolver; TLS handshake timeout 10 s; idle timeout 5 min;
   * outbound connect timeout 10 s; users file polled every second; at most 100 request headers;
   * Netty's default number of I/O threads.
   */
  public static final class Builder {
    private InetSocketAddress listen = new InetSocketAddress("0.0.0.0", 443);
    private Path stateDir = defaultStateDir();
    private CertifiedKey identity;
    private final List<Cidr> allowed = new ArrayList<>();
    private Path decoyDir;
    private Resolver resolver;
    private Duration handshakeTimeout = Duration.ofSeconds(10);
    private Duration idleTimeout = Duration.ofMinutes(5);
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration usersPollInterval = Duration.ofSeconds(1);
    private Duration requestTimeout = Duration.ofSeconds(60);
    private int maxHeaders = 100;
    private int ioThreads;

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
     * How long a request head may take to arrive, counted from the connection's start or the
     * previous response; also closes kept-alive connections that stay quiet that long. Default 60
     * s.
     */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive("request timeout", d);
      return this;
    }

    public Builder usersPollInterval(Duration d) {
      this.usersPollInterval = positive("users poll interval", d);
      return this;
    }

    public Builder maxHeaders(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("max headers: " + n + " (expected: at least 1)");
      }
      this.maxHeaders = n;
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
              : RelayCertificate.loadOrCreate(stateDir, listen.getHostString());
      DecoySite decoy = new DecoySite(decoyDir);
      Authenticator auth = new Authenticator();
      UsersWatcher watcher = new UsersWatcher(stateDir.resolve(Users.FILE_NAME), auth);
      watcher.loadOrThrow();

      SslContext ssl;
      try {
        ssl =
            TlsEngines.build(
                SslContextBuilder.forServer(key.privateKey(), key.chain())
                    .protocols("TLSv1.3", "TLSv1.2")
                    // Like nginx with http2: h2 when a client offers it (the relay link's tunnels
                    // are HTTP/2 streams), else http/1.1.
                    .applicationProtocolConfig(
                        new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2,
                            ApplicationProtocolNames.HTTP_1_1)));
      } catch (SSLException e) {
        throw new IllegalArgumentException(
            "cannot use the relay certificate: " + e.getMessage(), e);
      }

      Resolver ownResolver = resolver == null ? new SystemResolver(32, 4096) : null;
      Resolver resolver = ownResolver != null ? ownResolver : this.resolver;
      ThreadPoolExecutor blocking =
          new ThreadPoolExecutor(
              32, 32, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(4096), daemon("relay-dns"));
      blocking.allowCoreThreadTimeOut(true);
      ScheduledExecutorService scheduler =
          Executors.newSingleThreadScheduledExecutor(daemon("relay-users"));
      RelayContext rc =
          new RelayContext(
              auth,
              new Dialer(resolver, new DestinationPolicy(allowed), (int) connectTimeout.toMillis()),
              decoy,
              new DohResponder(resolver),
              blocking,
              maxHeaders,
              requestTimeout.toMillis());

      EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
      EventLoopGroup workers =
          new MultiThreadIoEventLoopGroup(ioThreads, NioIoHandler.newFactory());
      ChannelFuture bound =
          TunnelOptions.inbound(new ServerBootstrap())
              .group(boss, workers)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_BACKLOG, 1024)
              .childHandler(
                  new RelayInitializer(
                      ssl, rc, handshakeTimeout.toMillis(), idleTimeout.toMillis()))
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
      watcher.start(scheduler, usersPollInterval);
      log.info("listening on {}", hostPort(actual));
      log.debug("TLS engine: {}", TlsEngines.describe());
      log.info(
          "pin {}, {} users, state {}{}",
          key.pin(),
          auth.size(),
          stateDir,
          allowed.isEmpty() ? "" : ", destinations also allowed: " + allowed);
      return new Relay(
          stateDir,
          key,
          actual,
          bound.channel(),
          boss,
          workers,
          blocking,
          scheduler,
          watcher,
          ownResolver);
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
