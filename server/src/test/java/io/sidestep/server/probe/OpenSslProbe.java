package io.sidestep.server.probe;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TLS-layer probe made with {@code openssl s_client}, for what the JDK's client cannot offer
 * (named groups such as ffdhe2048, the session tickets' lifetime). The outcome is the lines of
 * s_client's report that a prober compares: the protocol and suite agreed, the alert received, and
 * the lifetime hint of every session ticket.
 */
public record OpenSslProbe(String name, List<String> options) {

  public static boolean installed() {
    return Files.isExecutable(Path.of("/usr/bin/openssl"));
  }

  private static final Pattern KEPT =
      Pattern.compile(
          "(New, [^\\n]*Cipher is [^\\n]*|SSL alert number \\d+|session ticket lifetime hint: \\d+)");

  public String run(InetSocketAddress server) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.add("s_client");
    cmd.add("-connect");
    cmd.add(server.getHostString() + ":" + server.getPort());
    cmd.add("-ign_eof");
    cmd.addAll(options);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    // A request that nginx and the relay both answer and close, so s_client reads the tickets
    // that follow a TLS 1.3 handshake and then ends.
    p.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    StringBuilder kept = new StringBuilder();
    Matcher m = KEPT.matcher(out);
    while (m.find()) {
      kept.append(m.group(1)).append('\n');
    }
    return kept.toString();
  }
}
