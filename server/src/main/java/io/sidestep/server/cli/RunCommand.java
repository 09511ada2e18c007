package io.sidestep.server.cli;

import io.sidestep.core.net.Cidr;
import io.sidestep.core.route.Destination;
import io.sidestep.server.Relay;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code run}: serves until stopped (SIGINT, SIGTERM). */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Runs the relay: an HTTPS forward proxy (CONNECT and absolute-form HTTP inside TLS) for its"
          + " users, and an ordinary small web site for everyone else.",
      "Without --cert, the first start generates a key and a self-signed certificate in the"
          + " state directory and every later start reuses them. Add users with `users add`; a"
          + " running relay picks up changes within a second.",
      ""
    })
final class RunCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      converter = Options.ListenConverter.class,
      description = "Address to listen on; port 0 picks a free one. Default: 0.0.0.0:443.")
  InetSocketAddress listen = new InetSocketAddress("0.0.0.0", 443);

  @Mixin Options.State state;

  @Option(
      names = "--cert",
      paramLabel = "FILE.pem",
      description = "Certificate chain to serve (PEM, leaf first) instead of the generated one.")
  Path cert;

  @Option(
      names = "--key",
      paramLabel = "FILE.pem",
      description = "Private key for --cert (PEM, unencrypted).")
  Path key;

  @Option(
      names = "--allow-destination",
      paramLabel = "CIDR",
      converter = Options.CidrConverter.class,
      description =
          "Allow destinations in this block although they are not public (loopback, private,"
              + " link-local, CGNAT, multicast and unspecified addresses are refused otherwise)."
              + " Repeatable. Example: 127.0.0.1/32.")
  List<Cidr> allowed = new ArrayList<>();

  @Option(
      names = "--decoy-dir",
      paramLabel = "DIR",
      description =
          "Serve this directory's files to visitors without credentials. Default: a built-in"
              + " page.")
  Path decoyDir;

  @Option(
      names = "--fallback",
      paramLabel = "HOST:PORT",
      converter = Options.AddressConverter.class,
      description =
          "Hand every TLS connection that is not a user's proxy request to this plain-HTTP web"
              + " server, byte for byte, so strangers see its own answers; over HTTP/2 each"
              + " stranger's request is passed to it. Default: none (the decoy site answers).")
  Destination fallback;

  @Option(
      names = "--handshake-timeout",
      paramLabel = "SECONDS",
      description =
          "Close a connection whose TLS handshake (or the bytes before it) takes longer."
              + " Default: 60, as nginx.")
  int handshakeTimeout = 60;

  @Option(
      names = "--idle-timeout",
      paramLabel = "SECONDS",
      description = "Close a connection with no traffic either way for this long. Default: 300.")
  int idleTimeout = 300;

  @Option(
      names = "--connect-timeout",
      paramLabel = "SECONDS",
      description = "Give up connecting to a destination after this long. Default: 10.")
  int connectTimeout = 10;

  @Option(
      names = "--log-destinations",
      description =
          "Name each user connection's destination in the log. Default: off; the log keeps the"
              + " user, bytes, duration and result only, so no browsing history.")
  boolean logDestinations;

  @Option(
      names = "--admin",
      paramLabel = "HOST:PORT",
      converter = Options.ListenConverter.class,
      description =
          "Serve Prometheus metrics (/metrics) and health checks (/healthz, /readyz) over plain"
              + " HTTP here, e.g. 127.0.0.1:9090. Keep it on loopback or a private network: it has"
              + " no password. Default: off.")
  InetSocketAddress admin;

  @Option(
      names = "--drain",
      paramLabel = "SECONDS",
      description =
          "On SIGTERM, stop accepting and let users' connections finish for up to this long,"
              + " then close them. Default: 30.")
  int drain = 30;

  @Option(
      names = "--max-unauthenticated-per-source",
      paramLabel = "N",
      description =
          "Close new connections from an address that already has this many connections that"
              + " have not authenticated. Default: 256.")
  int maxUnauthenticatedPerSource = 256;

  @Option(
      names = "--max-unauthenticated",
      paramLabel = "N",
      description =
          "Unauthenticated connections in all; the rest of the open-file limit stays for users."
              + " Default: half of `ulimit -n`.")
  Integer maxUnauthenticated;

  @Option(
      names = "--accepts-per-second-per-source",
      paramLabel = "N",
      description = "New connections one address may open per second. Default: 100.")
  int acceptsPerSecondPerSource = 100;

  @Option(
      names = "--trust-key",
      paramLabel = "PUBKEY|FILE",
      description =
          "Also accept access keys signed by this fleet key (ed25519:…, as `fleet init` prints,"
              + " or a file holding it), enforcing the limits they carry. Default: only the"
              + " users file's keys.")
  String trustKey;

  @Option(
      names = "--revocations",
      paramLabel = "FILE",
      description =
          "The fleet's signed revocation list (`fleet revoke` writes it); reloaded within a"
              + " second of a change, and revoked keys' tunnels closed. Needs --trust-key.")
  Path revocations;

  @Option(
      names = "--usage-store",
      paramLabel = "redis://HOST:PORT[/DB]",
      description =
          "Share users' usage counters with the fleet's other relays in this Redis, so a quota"
              + " holds across them. While Redis cannot be reached the relay logs it and counts"
              + " alone. Default: each relay counts alone.")
  String usageStore;

  @Override
  public Integer call() throws InterruptedException {
    if ((cert == null) != (key == null)) {
      throw new ParameterException(
          spec.commandLine(), "--cert and --key go together (expected: both or neither)");
    }
    for (var t :
        List.of(
            new Object[] {"--handshake-timeout", handshakeTimeout},
            new Object[] {"--idle-timeout", idleTimeout},
            new Object[] {"--connect-timeout", connectTimeout})) {
      if ((int) t[1] < 1) {
        throw new ParameterException(
            spec.commandLine(), t[0] + ": " + t[1] + " (expected: at least 1 second)");
      }
    }
    if (drain < 0) {
      throw new ParameterException(
          spec.commandLine(), "--drain: " + drain + " (expected: 0 seconds or more)");
    }
    Relay.Builder b =
        Relay.builder()
            .listen(listen)
            .stateDir(state.dir)
            .allowDestinations(allowed)
            .decoyDir(decoyDir)
            .fallback(
                fallback == null ? null : new InetSocketAddress(fallback.host(), fallback.port()))
            .handshakeTimeout(Duration.ofSeconds(handshakeTimeout))
            .idleTimeout(Duration.ofSeconds(idleTimeout))
            .connectTimeout(Duration.ofSeconds(connectTimeout))
            .logDestinations(logDestinations)
            .admin(admin);
    try {
      b.maxUnauthenticatedPerSource(maxUnauthenticatedPerSource)
          .acceptsPerSecondPerSource(acceptsPerSecondPerSource);
      if (maxUnauthenticated != null) {
        b.maxUnauthenticated(maxUnauthenticated);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (cert != null) {
      b.identityFiles(cert, key);
    }
    if (usageStore != null) {
      try {
        b.usageStore(io.sidestep.server.internal.RedisUsage.parse(usageStore));
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--usage-store: " + e.getMessage());
      }
    }
    if (revocations != null && trustKey == null) {
      throw new ParameterException(
          spec.commandLine(), "--revocations needs --trust-key (expected: both)");
    }
    if (trustKey != null) {
      try {
        b.trustKey(io.sidestep.server.fleet.TrustKey.parseOrRead(trustKey))
            .revocations(revocations);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--trust-key: " + e.getMessage());
      }
    }
    Relay relay = b.start();
    try {
      // SIGHUP reloads the users and the certificate; tunnels stay open.
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> relay.reload());
    } catch (IllegalArgumentException e) {
      // No SIGHUP on this system: the files are still watched.
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              relay.drain(Duration.ofSeconds(drain));
              stopped.countDown();
            },
            "relay-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // In-process callers (tests) stop the relay by interrupting this thread.
      Runtime.getRuntime().removeShutdownHook(hook);
      relay.close();
    }
    return 0;
  }
}
