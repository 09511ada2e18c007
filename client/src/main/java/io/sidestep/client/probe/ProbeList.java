package io.sidestep.client.probe;

import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.UrlCsv;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads the hosts of a list for {@code probe}: a Citizen Lab test-list CSV (its {@code url} column,
 * read by {@link UrlCsv}, so a listed URL's host without {@code www.} is probed, as the rules
 * engine routes it) or a plain list with one domain or URL per line ({@code #} and {@code !} start
 * comments; {@code *.}, {@code +.}, {@code .} and {@code ||} prefixes are dropped). Each host
 * appears once, in the order first seen. Lines that name no host are skipped and reported in {@link
 * #skipped}.
 */
public final class ProbeList {

  private final List<ProbeTarget> targets;
  private final List<String> skipped;

  private ProbeList(List<ProbeTarget> targets, List<String> skipped) {
    this.targets = List.copyOf(targets);
    this.skipped = List.copyOf(skipped);
  }

  public List<ProbeTarget> targets() {
    return targets;
  }

  /** {@code FILE:LINE: text (why)} for every line that named no host. */
  public List<String> skipped() {
    return skipped;
  }

  public static ProbeList read(Path file) throws IOException {
    return parse(file.getFileName().toString(), Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Reads a list given as text, as {@link #read} reads a file; {@code name} names it in notes. */
  public static ProbeList parse(String name, String text) {
    Map<String, ProbeTarget> byHost = new LinkedHashMap<>();
    List<String> skipped = new ArrayList<>();
    String body = text.replace("\uFEFF", "");
    String[] lines = body.split("\r?\n", -1);
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) {
      first++;
    }
    if (first < lines.length && UrlCsv.isHeader(lines[first].trim())) {
      List<UrlCsv.Row> rows;
      try {
        rows = UrlCsv.read(body);
      } catch (UrlCsv.Malformed e) {
        throw new IllegalArgumentException(name + ":" + e.line() + ": " + e.getMessage(), e);
      }
      for (UrlCsv.Row row : rows) {
        add(name, row.line(), row.url(), row.url(), true, byHost, skipped);
      }
    } else {
      for (int n = 0; n < lines.length; n++) {
        String line = lines[n].trim();
        if (!line.isEmpty() && !line.startsWith("#") && !line.startsWith("!")) {
          add(name, n + 1, line, line.split("\\s+")[0], false, byHost, skipped);
        }
      }
    }
    return new ProbeList(new ArrayList<>(byHost.values()), skipped);
  }

  private static void add(
      String name,
      int line,
      String text,
      String entry,
      boolean testList,
      Map<String, ProbeTarget> byHost,
      List<String> skipped) {
    try {
      ProbeTarget t = target(entry);
      if (testList) {
        t = new ProbeTarget(UrlCsv.site(t.host()), t.tlsPort(), t.httpPort(), t.httpPath());
      }
      byHost.merge(t.host(), t, ProbeList::merge);
    } catch (IllegalArgumentException e) {
      skipped.add(name + ":" + line + ": " + text + " (" + e.getMessage() + ")");
    }
  }

  private static ProbeTarget merge(ProbeTarget a, ProbeTarget b) {
    int tls = a.tlsPort() != 443 ? a.tlsPort() : b.tlsPort();
    return a.hasHttp()
        ? new ProbeTarget(a.host(), tls, a.httpPort(), a.httpPath())
        : new ProbeTarget(a.host(), tls, b.httpPort(), b.httpPath());
  }

  static ProbeTarget target(String entry) {
    String e = entry.trim();
    if (e.isEmpty()) {
      throw new IllegalArgumentException("no host");
    }
    if (e.contains("://")) {
      URI u;
      try {
        u = URI.create(e);
      } catch (IllegalArgumentException ex) {
        throw new IllegalArgumentException("not a URL");
      }
      String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
      String host = u.getHost();
      if (host == null) {
        throw new IllegalArgumentException("URL without a host");
      }
      String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
      if (u.getRawQuery() != null) {
        path += "?" + u.getRawQuery();
      }
      return switch (scheme) {
        case "http" -> new ProbeTarget(host, 443, u.getPort() > 0 ? u.getPort() : 80, path);
        case "https" -> new ProbeTarget(host, u.getPort() > 0 ? u.getPort() : 443, 0, "/");
        default ->
            throw new IllegalArgumentException("scheme '" + scheme + "' (expected: http, https)");
      };
    }
    String h = e;
    for (String prefix : new String[] {"||", "*.", "+.", "."}) {
      if (h.startsWith(prefix)) {
        h = h.substring(prefix.length());
      }
    }
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    if (h.endsWith("^")) {
      h = h.substring(0, h.length() - 1);
    }
    Destination d = Destination.parse(h, 443);
    if (!d.isIpLiteral() && d.host().indexOf('.') < 0) {
      throw new IllegalArgumentException("'" + d.host() + "' is not a domain");
    }
    return new ProbeTarget(d.host(), d.port(), 0, "/");
  }
}
