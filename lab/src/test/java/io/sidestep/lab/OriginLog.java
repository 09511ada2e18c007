package io.sidestep.lab;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The access log of the lab's origins (one nginx for all sites). Each line records the site
 * address, the client address the origin saw, the Host, the request URI and the status, so it shows
 * which path a visit took: the user's address (direct), a relay's, or the ISP's interceptor's.
 */
final class OriginLog {
  /** One request as the origin saw it. */
  record Entry(String server, String remote, String host, String uri, int status) {
    /** The {@code visit} query parameter of the request, or "" when it has none. */
    String visit() {
      String query = URI.create(uri.replace("\"", "")).getRawQuery();
      if (query == null) {
        return "";
      }
      for (String kv : query.split("&")) {
        if (kv.startsWith("visit=")) {
          return kv.substring("visit=".length());
        }
      }
      return "";
    }
  }

  private final Path file;

  OriginLog(Path file) {
    this.file = file;
  }

  List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return out;
    }
    for (String line : lines) {
      // $msec $server_addr $remote_addr $host "$request_uri" $status $body_bytes_sent
      String[] f = line.split(" ");
      if (f.length >= 6) {
        try {
          out.add(new Entry(f[1], f[2], f[3], f[4].replace("\"", ""), Integer.parseInt(f[5])));
        } catch (RuntimeException malformed) {
          // A request line the origin logged oddly (a scanner's garbage) is not a visit.
        }
      }
    }
    return out;
  }

  /** The requests of one visit, identified by its tag. */
  List<Entry> visit(String tag) {
    return entries().stream().filter(e -> e.visit().equals(tag)).toList();
  }

  /** The paths ("direct", "relay1", "relay2", "isp-interceptor") a visit's requests took. */
  Set<String> paths(String tag) {
    Set<String> paths = new LinkedHashSet<>();
    for (Entry e : visit(tag)) {
      paths.add(LabPlan.pathOf(e.remote()));
    }
    return paths;
  }

  /** Paths as one word for the summary: "none" when the origin never saw the visit. */
  String pathWord(String tag) {
    Set<String> p = paths(tag);
    return p.isEmpty() ? "none" : String.join("+", p);
  }
}
