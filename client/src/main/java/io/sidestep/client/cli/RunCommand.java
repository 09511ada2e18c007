package io.sidestep.client.cli;

import io.sidestep.client.Client;
import io.sidestep.client.DoorCredentials;
import io.sidestep.client.detect.DetectionSettings;
import io.sidestep.client.relay.TlsHello;
import io.sidestep.core.net.Cidr;
import io.sidestep.core.rules.RulesTemplate;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code run}: starts the client's doors and serves until stopped. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the client: an HTTP proxy door and a SOCKS5 door on loopback, routing each "
          + "connection by the rules: direct, through a relay, or refused.",
      "The PAC file is served at http://HTTP-DOOR/proxy.pac."
    })
final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  @Option(
      names = "--http",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:8080",
      description = "HTTP proxy door (default: ${DEFAULT-VALUE}).")
  String http;

  @Option(
      names = "--socks",
      paramLabel = "HOST:PORT",
      defaultValue = "127.0.0.1:1080",
      description = "SOCKS5 door (default: ${DEFAULT-VALUE}).")
  String socks;

  @Option(
      names = "--relay",
      paramLabel = "KEY",
      description = {
        "Relay access key, sidestep://NAME:TOKEN@HOST:PORT?pin=sha256/BASE64#LABEL.",
        "Repeat for several relays; they are tried in order and a failed one is skipped for 30 s.",
        "Every local user can read a command line: prefer --relay-file or "
            + RelayKeys.ENVIRONMENT
            + "."
      })
  List<String> relays = new ArrayList<>();

  @Option(
      names = "--relay-file",
      paramLabel = "FILE",
      description = {
        "Relay access keys, one a line ('#' comments and blank lines allowed), tried after the "
            + "--relay keys; the file must not be readable by group or others (mode 600 or 400).",
        "Keys in the environment variable "
            + RelayKeys.ENVIRONMENT
            + " (separated by whitespace) come last."
      })
  Path relayFile;

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description = "Rules file (default: STATE/rules.txt, created with a commented template).")
  Path rules;

  @Option(
      names = "--never-direct",
      description = {
        "Send AUTO destinations (what no rule names, MATCH,AUTO) only through the relay: never "
            + "tried direct, never looked up locally (a direct attempt can itself be logged). With no "
            + "relay usable the connection fails. DIRECT rules still go direct."
      })
  boolean neverDirect;

  @Option(
      names = "--no-fast-open",
      description = {
        "Answer the browser only once the relay has answered. By default a relayed connection is "
            + "answered at once and its first bytes go to the relay with the request for the tunnel, "
            + "one round trip sooner; a refusal by the relay then shows as a closed connection (the "
            + "log and the dashboard still say why) instead of the door's error code."
      })
  boolean noFastOpen;

  @Option(
      names = "--io-threads",
      paramLabel = "N",
      description = {
        "Threads that carry connections (default: ${DEFAULT-VALUE}). One keeps every new connection "
            + "on one thread, which is fastest for a browser's many short connections; more only help "
            + "many large transfers at once on a fast network. 0: twice the processors."
      })
  int ioThreads = Client.DEFAULT_THREADS;

  @Option(
      names = "--open",
      description = "Open the dashboard in the desktop's browser once the client runs (xdg-open).")
  boolean open;

  @Option(
      names = "--state",
      paramLabel = "DIR",
      description = "State directory (default: ~/.sidestep).")
  Path state;

  @Option(
      names = "--dns",
      paramLabel = "IP[:PORT]",
      description = "DNS server for direct traffic only (default: the system resolver).")
  String dns;

  @Option(
      names = "--door-credentials",
      paramLabel = "USER:PASSWORD",
      description = {
        "Require these credentials at both doors (SOCKS5 user/password, HTTP Basic proxy "
            + "authentication). Required to bind a door to a non-loopback address."
      })
  String doorCredentials;

  @Option(
      names = "--connect-timeout",
      paramLabel = "DURATION",
      defaultValue = "2s",
      description =
          "Direct connect timeout for destinations no rule names; a timeout while the relay"
              + " connects detours through the relay (default: ${DEFAULT-VALUE}; 1500ms, 2s,"
              + " ...).")
  String connectTimeout;

  @Option(
      names = "--first-read-timeout",
      paramLabel = "DURATION",
      defaultValue = "3s",
      description =
          "How long the direct path may stay silent after the first bytes (a TLS ClientHello,"
              + " an HTTP request) before they are replayed through the relay (default:"
              + " ${DEFAULT-VALUE}).")
  String firstReadTimeout;

  @Option(
      names = "--block-page",
      paramLabel = "CIDR",
      description = "Address of a known block-page server (repeatable): such DNS answers are lies.")
  List<String> blockPages = new ArrayList<>();

  @Option(
      names = "--block-fingerprints",
      paramLabel = "FILE",
      description = {
        "Block-page fingerprints, a CSV in the format of OONI's blocking-fingerprints project"
            + " (repeatable).",
        "A plain-HTTP page matching one is a block page without asking the relay; rows of scope"
            + " vbw only make a page worth comparing."
      })
  List<Path> blockFingerprints = new ArrayList<>();

  @Option(
      names = "--compare",
      paramLabel = "WHEN",
      defaultValue = "suspicious",
      description = {
        "When a plain-HTTP answer is sent through the relay too, for comparison (default:"
            + " ${DEFAULT-VALUE}).",
        "suspicious: only an answer that could be a censor's (a redirect to another site or to"
            + " an address, an error status, blocking words, an answer faster than the round"
            + " trip); an open site never reaches the relay.",
        "never: no comparison; a suspect page is shown as it came, with a note that it could not"
            + " be checked."
      })
  String compare;

  @Option(
      names = "--tls-hello",
      paramLabel = "HELLO",
      description = {
        "The TLS ClientHello sent to relays (default: chrome).",
        "chrome: current desktop Chrome's (its JA4, GREASE, a fresh extension order on each "
            + "connection), so the link looks like a browser's to a censor that blocks by TLS "
            + "fingerprint; it moves bulk at about 0.9 of fast's rate.",
        "fast: the TLS library's own hello, a little cheaper, but no browser sends it and a "
            + "censor can block it by its fingerprint.",
        "Older alias: -Dsidestep.tls.engine=chrome|openssl|jdk"
      })
  String tlsHello;

  @Override
  public Integer call() {
    if (ioThreads < 0) {
      throw new IllegalArgumentException(
          "--io-threads: " + ioThreads + " (expected 1 or more, or 0 for twice the processors)");
    }
    Client.Builder builder =
        Client.builder()
            .http(OptionValues.address("--http", http))
            .socks(OptionValues.address("--socks", socks))
            .relays(RelayKeys.read(relays, relayFile, System.getenv(RelayKeys.ENVIRONMENT)));
    if (tlsHello != null) {
      builder.tlsHello(TlsHello.parse("--tls-hello", tlsHello));
    }
    if (doorCredentials != null) {
      builder.credentials(DoorCredentials.parse(doorCredentials));
    }
    builder.detection(
        DetectionSettings.defaults()
            .withConnectTimeout(OptionValues.duration("--connect-timeout", connectTimeout))
            .withFirstReadTimeout(OptionValues.duration("--first-read-timeout", firstReadTimeout))
            .withBlockPages(blockPages.stream().map(Cidr::parse).toList())
            .withFingerprints(OptionValues.fingerprints(blockFingerprints))
            .withCompare(OptionValues.compare(compare)));
    Path stateDir = OptionValues.stateDir(state);
    Path rulesFile = rules != null ? rules : stateDir.resolve("rules.txt");
    if (rules == null && RulesTemplate.writeIfAbsent(rulesFile)) {
      LOG.info("wrote the commented rules template to {}", rulesFile);
    }
    // A bad rules file throws RulesException (an IllegalArgumentException) whose message is the
    // FILE:LINE:COL text: the command line prints it and exits 1.
    Client client =
        builder
            .stateDir(stateDir)
            .rulesFile(rulesFile)
            .neverDirect(neverDirect)
            .fastOpen(!noFastOpen)
            .threads(ioThreads)
            .resolver(OptionValues.resolver(dns))
            .start();
    String dashboard = "http://localhost:" + client.httpAddress().getPort() + "/";
    LOG.info("dashboard at {}", dashboard);
    if (open) {
      openInBrowser(dashboard);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              client.close();
              stopped.countDown();
            },
            "sidestep-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      stopped.await();
    } catch (InterruptedException e) {
      // In-process callers (tests) stop the client by interrupting this thread.
      Runtime.getRuntime().removeShutdownHook(hook);
      client.close();
    }
    return 0;
  }

  /** Asks the desktop to open {@code url}; a desktop without xdg-open only gets a log line. */
  private static void openInBrowser(String url) {
    try {
      new ProcessBuilder("xdg-open", url)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (java.io.IOException e) {
      LOG.warn(
          "cannot open the dashboard in a browser ({}); open {} yourself", e.getMessage(), url);
    }
  }
}
