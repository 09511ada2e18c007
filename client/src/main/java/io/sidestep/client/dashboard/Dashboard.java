package io.sidestep.client.dashboard;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.sidestep.client.dial.ConnectionListener;
import io.sidestep.client.http.HttpDoor;
import io.sidestep.client.lists.ListUpdater;
import io.sidestep.client.probe.Prober;
import io.sidestep.core.detect.LearnedStore;
import io.sidestep.core.network.Network;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.LiveRules;
import io.sidestep.core.rules.Router;
import io.sidestep.core.rules.RulesException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dashboard and its JSON API, answered by the HTTP door for requests addressed to the door
 * itself (see README.md for the API). Reads go straight to the client's state; changes (forget a
 * learned host, add a user rule, start a probe) are POSTs that {@link Guard} lets through only with
 * the token and the dashboard's own origin. Every answer forbids framing and sniffing and is never
 * cached; none carries a CORS header.
 *
 * <p>Defaults: the last {@value Live#KEPT} connections and {@value ProbeJobs#KEPT} probes kept; the
 * language from {@code Accept-Language} (English, Russian, Kazakh), English otherwise.
 */
public final class Dashboard implements HttpDoor.OwnPages, AutoCloseable {

  /** A relay as the status view shows it. */
  public record RelayStatus(
      String label, String address, boolean up, String reason, Optional<Duration> roundTrip) {

    public RelayStatus(String label, String address, boolean up, String reason) {
      this(label, address, up, reason, Optional.empty());
    }
  }

  /**
   * What the dashboard reads and changes.
   *
   * @param router the client's router, for explain
   * @param rules the live rules, when the client has a state directory
   * @param learned the learned store, when the client has a state directory
   * @param relays each relay's state now
   * @param prober makes a prober with the client's relays and settings
   * @param relayLabels the relays' labels, for probe reports
   * @param lists each list named by URL with its last fetch
   * @param network the network the client is on now; empty when it cannot be told
   */
  public record Sources(
      Router router,
      Optional<LiveRules> rules,
      Optional<LearnedStore> learned,
      Supplier<List<RelayStatus>> relays,
      Supplier<Prober> prober,
      List<String> relayLabels,
      Supplier<List<ListUpdater.Status>> lists,
      Supplier<Optional<Network>> network) {

    public Sources {
      Objects.requireNonNull(lists, "lists");
      Objects.requireNonNull(network, "network");
      Objects.requireNonNull(router, "router");
      Objects.requireNonNull(rules, "rules");
      Objects.requireNonNull(learned, "learned");
      Objects.requireNonNull(relays, "relays");
      Objects.requireNonNull(prober, "prober");
      relayLabels = List.copyOf(relayLabels);
    }
  }

  private static final String LANG_COOKIE = "sidestep-lang";
  private static final Pattern PROBE = Pattern.compile("/api/probe/(\\d+)(/report\\.json)?");
  private static final Pattern KEY = Pattern.compile("\\{\\{([a-z0-9_.-]+)\\}\\}");
  private static final Map<String, String> STATIC =
      Map.of(
          "/dashboard.css", "text/css; charset=utf-8",
          "/dashboard.js", "text/javascript; charset=utf-8");

  private final Sources sources;
  private final Clock clock;
  private final Guard guard = new Guard();
  private final Json json = new Json();
  private final Live live;
  private final ProbeJobs probes;
  private final Instant started;
  private final String index;
  private final Map<String, byte[]> files = new LinkedHashMap<>();

  public Dashboard(Sources sources, Clock clock) {
    this.sources = Objects.requireNonNull(sources, "sources");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.live = new Live(clock, ZoneId.systemDefault(), json);
    this.probes = new ProbeJobs(sources.prober(), sources.relayLabels());
    this.started = clock.instant();
    this.index = new String(resource("index.html"), StandardCharsets.UTF_8);
    STATIC.keySet().forEach(p -> files.put(p, resource(p.substring(1))));
  }

  /** Hears of every connection; give it to the routing core. */
  public ConnectionListener connections() {
    return live;
  }

  private static byte[] resource(String name) {
    try (InputStream in =
        Dashboard.class.getClassLoader().getResourceAsStream("dashboard/" + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "dashboard: dashboard/" + name + " is missing from the jar");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public HttpResponse answer(HttpRequest request, ChannelHandlerContext ctx) {
    InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
    if (!Guard.hostAllowed(request, local)) {
      return text(
          request,
          HttpResponseStatus.MISDIRECTED_REQUEST,
          "This is the Sidestep dashboard; open it as http://localhost:" + local.getPort() + "/\n");
    }
    QueryStringDecoder query = new QueryStringDecoder(request.uri());
    String path = query.path();
    HttpMethod method = request.method();
    try {
      if (method.equals(HttpMethod.POST)) {
        if (!guard.changeAllowed(request)) {
          return error(
              request,
              HttpResponseStatus.FORBIDDEN,
              "forbidden: a change needs the dashboard's token and origin");
        }
        return change(request, path, query);
      }
      if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
        FullHttpResponse r =
            error(request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method: " + method);
        r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, POST");
        return r;
      }
      return read(request, ctx, path, query);
    } catch (IllegalArgumentException | IllegalStateException e) {
      return error(request, HttpResponseStatus.BAD_REQUEST, e.getMessage());
    } catch (UncheckedIOException e) {
      // A state file that cannot be written: the message names it.
      return error(request, HttpResponseStatus.INTERNAL_SERVER_ERROR, e.getMessage());
    }
  }

  private HttpResponse read(
      HttpRequest request, ChannelHandlerContext ctx, String path, QueryStringDecoder query) {
    if (path.equals("/")) {
      String asked = param(query, "lang");
      String lang = language(request, asked);
      FullHttpResponse r =
          full(
              request,
              HttpResponseStatus.OK,
              "text/html; charset=utf-8",
              page(lang).getBytes(StandardCharsets.UTF_8));
      if (lang.equals(asked)) {
        // The switch is remembered for this browser, over its Accept-Language.
        r.headers()
            .set(
                HttpHeaderNames.SET_COOKIE,
                LANG_COOKIE + "=" + lang + "; Path=/; Max-Age=31536000; SameSite=Strict");
      }
      return r;
    }
    if (STATIC.containsKey(path)) {
      return full(request, HttpResponseStatus.OK, STATIC.get(path), files.get(path));
    }
    Matcher probe = PROBE.matcher(path);
    if (probe.matches()) {
      ProbeJobs.Job job =
          probes
              .find(Integer.parseInt(probe.group(1)))
              .orElseThrow(() -> new IllegalArgumentException("probe: no such probe"));
      if (probe.group(2) == null) {
        return ok(request, job.view());
      }
      String report =
          job.report()
              .orElseThrow(() -> new IllegalStateException("probe: not finished yet"))
              .json();
      FullHttpResponse r =
          full(
              request,
              HttpResponseStatus.OK,
              "application/json; charset=utf-8",
              report.getBytes(StandardCharsets.UTF_8));
      r.headers()
          .set(
              HttpHeaderNames.CONTENT_DISPOSITION,
              "attachment; filename=\"sidestep-probe-" + job.id + ".json\"");
      return r;
    }
    return switch (path) {
      case "/api/status" -> ok(request, status());
      case "/api/connections" -> ok(request, live.recent());
      case "/api/live" -> stream(request, ctx);
      case "/api/learned" -> ok(request, learned());
      case "/api/rules" -> ok(request, rules());
      case "/api/explain" -> ok(request, explain(required(query, "host")));
      case "/api/messages" -> {
        String lang = language(request, param(query, "lang"));
        yield ok(request, Map.of("lang", lang, "messages", Messages.of(lang)));
      }
      default -> error(request, HttpResponseStatus.NOT_FOUND, "no such page: " + path);
    };
  }

  private HttpResponse change(HttpRequest request, String path, QueryStringDecoder query) {
    switch (path) {
      case "/api/learned/forget" -> {
        String host = Destination.normalise(required(query, "host"));
        LearnedStore store = sources.learned().orElseThrow(Dashboard::noState);
        // With a network: that network's entry (and one of any network); without: every entry.
        Optional<Network> on = Optional.ofNullable(param(query, "network")).map(Dashboard::network);
        boolean forgotten = store.forget(host, on);
        sources.rules().ifPresent(LiveRules::reloadLearned);
        return ok(request, Map.of("host", host, "forgotten", forgotten));
      }
      case "/api/rules/relay", "/api/rules/direct" -> {
        Action action = path.endsWith("relay") ? Action.RELAY : Action.DIRECT;
        String host = Destination.normalise(required(query, "host"));
        LiveRules rules = sources.rules().orElseThrow(Dashboard::noState);
        try {
          rules.addUserRule(
              host,
              action,
              "always "
                  + action.toString().toLowerCase(java.util.Locale.ROOT)
                  + ", set in the dashboard on "
                  + clock.instant().truncatedTo(ChronoUnit.SECONDS));
        } catch (RulesException e) {
          return error(request, HttpResponseStatus.CONFLICT, e.getMessage());
        }
        return ok(request, explain(host));
      }
      case "/api/probe" -> {
        ProbeJobs.Job job =
            probes.start(
                required(query, "list"),
                t -> sources.router().decide(t.tls()).action() == Action.NEVER_DIRECT);
        return ok(request, job.view());
      }
      default -> {
        return error(request, HttpResponseStatus.NOT_FOUND, "no such call: POST " + path);
      }
    }
  }

  private static Network network(String id) {
    if (!Network.validId(id)) {
      throw new IllegalArgumentException(
          "network: '" + id + "' (expected: a network id as /api/learned gives it)");
    }
    return new Network(id, id);
  }

  /** A network as the API shows it: its id and label; null for none. */
  private static Map<String, Object> view(Optional<Network> network) {
    if (network.isEmpty()) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", network.get().id());
    m.put("label", network.get().label());
    return m;
  }

  private static IllegalStateException noState() {
    return new IllegalStateException(
        "this client runs without a state folder, so it has no rules or learned entries");
  }

  private Map<String, Object> status() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("started", started.toString());
    List<Map<String, Object>> relays = new ArrayList<>();
    for (RelayStatus r : sources.relays().get()) {
      Map<String, Object> one = new LinkedHashMap<>();
      one.put("label", r.label());
      one.put("address", r.address());
      one.put("up", r.up());
      one.put("reason", r.reason());
      // Milliseconds to 0.01, null until the link has measured it.
      one.put(
          "rtt_ms",
          r.roundTrip().map(d -> Math.round(d.toNanos() / 10_000.0) / 100.0).orElse(null));
      relays.add(one);
    }
    m.put("relays", relays);
    m.put("network", view(sources.network().get()));
    m.put("traffic", live.today());
    return m;
  }

  private List<Map<String, Object>> learned() {
    Instant now = clock.instant();
    Optional<Network> current = sources.network().get();
    List<Map<String, Object>> out = new ArrayList<>();
    for (LearnedStore.Entry e : sources.learned().map(LearnedStore::entries).orElse(List.of())) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", e.host());
      m.put("technique", e.technique().label());
      m.put("evidence", e.evidence().text());
      m.put("learned", e.learned().toString());
      m.put("expires", e.expires().toString());
      m.put("expired", e.expired(now));
      // null: learned before networks were told apart, or where none could be told (any network)
      m.put("network", view(e.network()));
      m.put("current", e.network().isPresent() && e.on(current));
      out.add(m);
    }
    return out;
  }

  private Map<String, Object> rules() {
    Map<String, Object> m = new LinkedHashMap<>();
    Optional<LiveRules> live = sources.rules();
    m.put("file", live.flatMap(LiveRules::rulesFile).map(Path::toString).orElse(null));
    m.put(
        "text",
        live.flatMap(LiveRules::rulesFile)
            .filter(Files::isReadable)
            .map(Dashboard::head)
            .orElse(""));
    List<Map<String, Object>> files = new ArrayList<>();
    live.ifPresent(
        r -> {
          for (Path p : r.userFiles()) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("path", p.toString());
            f.put("loaded", r.userLoaded().toString());
            files.add(f);
          }
        });
    m.put("files", files);
    List<Map<String, Object>> urlLists = new ArrayList<>();
    for (ListUpdater.Status st : sources.lists().get()) {
      Map<String, Object> l = new LinkedHashMap<>();
      l.put("url", st.url());
      l.put("fetched", st.fetchedAt().map(Object::toString).orElse(null));
      l.put("attempted", st.lastAttempt().map(Object::toString).orElse(null));
      l.put("ok", st.ok());
      l.put("message", st.message());
      l.put("next", st.nextAttempt().toString());
      urlLists.add(l);
    }
    m.put("urlLists", urlLists);
    m.put(
        "error",
        live.flatMap(LiveRules::problem)
            .map(
                e -> {
                  Map<String, Object> err = new LinkedHashMap<>();
                  err.put("file", e.file());
                  err.put("line", e.line());
                  err.put("column", e.column());
                  err.put("message", e.getMessage());
                  return err;
                })
            .orElse(null));
    m.put("warnings", live.map(r -> r.current().warnings()).orElse(List.of()));
    m.put("rules", live.map(r -> r.current().ruleCount()).orElse(0));
    m.put("entries", live.map(r -> r.current().entryCount()).orElse(0));
    m.put("learned", live.map(r -> r.current().learnedCount()).orElse(0));
    return m;
  }

  /** The first 256 KiB of a rules file, for showing. */
  private static String head(Path file) {
    try {
      byte[] b = Files.readAllBytes(file);
      return new String(b, 0, Math.min(b.length, 256 * 1024), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** What {@code explain} says: the router's decision for the destination, never looked up. */
  private Map<String, Object> explain(String target) {
    Destination d = Destination.parse(target.strip(), 443);
    Decision decision = sources.router().decide(d);
    return Map.of(
        "destination", d.authority(),
        "action", decision.action().toString(),
        "reason", decision.reason());
  }

  private HttpResponse stream(HttpRequest request, ChannelHandlerContext ctx) {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    secure(r.headers());
    HttpUtil.setKeepAlive(r, true);
    if (!request.method().equals(HttpMethod.HEAD)) {
      live.stream(ctx.channel());
    }
    return r;
  }

  /**
   * The language asked for, else the one the switch chose before (a cookie), else the browser's.
   */
  private static String language(HttpRequest request, String asked) {
    String chosen = asked;
    String cookies = request.headers().get(HttpHeaderNames.COOKIE);
    if (chosen == null && cookies != null) {
      for (Cookie c : ServerCookieDecoder.STRICT.decode(cookies)) {
        if (c.name().equals(LANG_COOKIE)) {
          chosen = c.value();
        }
      }
    }
    return Messages.choose(chosen, request.headers().get(HttpHeaderNames.ACCEPT_LANGUAGE));
  }

  private String page(String lang) {
    Map<String, String> messages = Messages.of(lang);
    Map<String, String> values = new LinkedHashMap<>();
    values.put("lang", lang);
    values.put("token", guard.token());
    values.put("messages-json", json.write(messages).replace("<", "\\u003c"));
    Matcher m = KEY.matcher(index);
    StringBuilder b = new StringBuilder();
    while (m.find()) {
      String key = m.group(1);
      String v = values.get(key);
      if (v == null) {
        v = escape(messages.getOrDefault(key, key));
      }
      m.appendReplacement(b, Matcher.quoteReplacement(v));
    }
    m.appendTail(b);
    return b.toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static String param(QueryStringDecoder q, String name) {
    List<String> v = q.parameters().get(name);
    return v == null || v.isEmpty() ? null : v.get(0);
  }

  private static String required(QueryStringDecoder q, String name) {
    String v = param(q, name);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException(name + ": missing (expected: ?" + name + "=…)");
    }
    return v;
  }

  private FullHttpResponse ok(HttpRequest request, Object body) {
    return full(
        request,
        HttpResponseStatus.OK,
        "application/json; charset=utf-8",
        json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  private FullHttpResponse error(HttpRequest request, HttpResponseStatus status, String message) {
    return full(
        request,
        status,
        "application/json; charset=utf-8",
        json.write(Map.of("error", message == null ? status.reasonPhrase() : message))
            .getBytes(StandardCharsets.UTF_8));
  }

  private static FullHttpResponse text(
      HttpRequest request, HttpResponseStatus status, String body) {
    return full(
        request, status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
  }

  private static FullHttpResponse full(
      HttpRequest request, HttpResponseStatus status, String type, byte[] body) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    secure(r.headers());
    HttpUtil.setKeepAlive(r, HttpUtil.isKeepAlive(request));
    if (request.method().equals(HttpMethod.HEAD)) {
      r.content().clear();
    }
    return r;
  }

  private static void secure(HttpHeaders h) {
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set(
        HttpHeaderNames.CONTENT_SECURITY_POLICY,
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  }

  @Override
  public void close() {
    probes.close();
  }
}
