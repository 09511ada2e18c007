package io.sidestep.client.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.client.DoorCredentials;
import io.sidestep.client.dial.Dispatcher;
import io.sidestep.client.pac.Pac;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Decision;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.littleshoot.proxy.HttpFilters;
import org.littleshoot.proxy.HttpFiltersAdapter;
import org.littleshoot.proxy.HttpFiltersSourceAdapter;
import org.littleshoot.proxy.impl.ProxyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP door's own answers and what it hides. {@code GET /proxy.pac} (an origin-form request to
 * the door itself) gets the PAC file. A CONNECT to a valid host is handed to the core ({@link
 * HandOff}), which answers it with this door's pages. Every answer LittleProxy makes up itself (a
 * 502 for a connection the core could not make, a 400 or 504; text/html that may echo the raw
 * request line) is replaced by the door's own text/plain page, in the browser's language (see
 * {@link DoorText}), which never repeats the request: for a failed connection it names the
 * destination, the route the router chose and why, and the failure (taken from this connection's
 * own hop, see {@link Hops}; 504 for a timeout, 403 for a refusal by a rule or the relay's policy).
 * The {@code Via} header LittleProxy adds is removed from requests and responses, so neither
 * origins nor pages see a proxy header.
 *
 * <p>With door credentials, a proxy request (CONNECT or absolute-form) without them in {@code
 * Proxy-Authorization} gets 407, and a request for the door's own pages (the dashboard, the PAC
 * file) without them in {@code Authorization} gets 401, so a browser can open the dashboard and
 * asks for them as for any site. The {@code Proxy-Authorization} header is not passed on.
 */
final class DoorFilters extends HttpFiltersSourceAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DoorFilters.class);

  /** The name LittleProxy writes into the {@code Via} headers this door removes. */
  static final String VIA_ALIAS = "sidestep";

  private static final String REALM = "Basic realm=\"" + VIA_ALIAS + "\"";

  private static final Pattern OWN_VIA = Pattern.compile("\\d\\.\\d " + VIA_ALIAS);

  private final InetSocketAddress socks;
  private final Hops hops;
  private final Dispatcher dispatcher;
  private final HttpDoor.OwnPages pages;
  private final Optional<DoorCredentials> credentials;

  DoorFilters(
      InetSocketAddress socks,
      Hops hops,
      Dispatcher dispatcher,
      HttpDoor.OwnPages pages,
      Optional<DoorCredentials> credentials) {
    this.socks = socks;
    this.hops = hops;
    this.dispatcher = dispatcher;
    this.pages = pages;
    this.credentials = credentials;
  }

  @Override
  public HttpFilters filterRequest(HttpRequest originalRequest, ChannelHandlerContext ctx) {
    if (ctx.pipeline().get(NoVia.NAME) == null) {
      // Last in the pipeline, so it sees every response LittleProxy writes.
      ctx.pipeline().addLast(NoVia.NAME, NoVia.INSTANCE);
      // Right before LittleProxy's handler, so it holds what LittleProxy would park a thread for.
      ctx.pipeline().addBefore(ctx.name(), Paused.NAME, new Paused());
    }
    return new HttpFiltersAdapter(originalRequest, ctx) {
      // A response before any came from the far end, and not the door's own, is LittleProxy's;
      // after it started a hop to the core, a 502 is its "could not connect". (Neither its failure
      // callback, which runs only after that 502 is written, nor its success callback, which a
      // SOCKS5 chain never fires, can serve here.) Set and read on LittleProxy's different worker
      // threads.
      private volatile boolean connecting;
      private volatile boolean fromServer;
      private volatile boolean own;

      @Override
      public void proxyToServerConnectionStarted() {
        connecting = true;
      }

      @Override
      public void serverToProxyResponseReceiving() {
        fromServer = true;
      }

      @Override
      public HttpObject proxyToClientResponse(HttpObject httpObject) {
        if (fromServer || own || !(httpObject instanceof HttpResponse response)) {
          return httpObject;
        }
        HttpResponseStatus status = response.status();
        ReferenceCountUtil.release(httpObject);
        Destination destination = destination(originalRequest);
        if (connecting && status.code() == HttpResponseStatus.BAD_GATEWAY.code()) {
          return connectFailure(
              originalRequest, destination, hops.take(ctx.channel().remoteAddress()));
        }
        return ownPage(originalRequest, status, destination);
      }

      @Override
      public HttpResponse clientToProxyRequest(HttpObject httpObject) {
        if (!(httpObject instanceof HttpRequest request)) {
          return null;
        }
        if (request.uri().startsWith("/")) {
          own = true;
          if (!allowed(request, HttpHeaderNames.AUTHORIZATION)) {
            return challenge(
                request,
                HttpResponseStatus.UNAUTHORIZED,
                HttpHeaderNames.WWW_AUTHENTICATE,
                DoorText.of(request).get("door.auth.page") + "\n");
          }
          return pac(request, ctx);
        }
        if (!allowed(request, HttpHeaderNames.PROXY_AUTHORIZATION)) {
          own = true;
          return challenge(
              request,
              HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
              HttpHeaderNames.PROXY_AUTHENTICATE,
              DoorText.of(request).get("door.auth.proxy") + "\n");
        }
        request.headers().remove(HttpHeaderNames.PROXY_AUTHORIZATION);
        String badHost = invalidHost(request);
        if (badHost != null) {
          LOG.info(
              "http door: bad destination from {}: {}", ctx.channel().remoteAddress(), badHost);
          own = true;
          return response(
              HttpResponseStatus.BAD_REQUEST,
              "text/plain; charset=utf-8",
              DoorText.of(request).get("door.bad_host", "detail", badHost) + "\n",
              false);
        }
        Destination destination =
            request.method().equals(HttpMethod.CONNECT) ? destination(request) : null;
        if (destination != null) {
          own = true;
          return HandOff.take(ctx, request, destination, dispatcher);
        }
        return null;
      }

      @Override
      public HttpResponse proxyToServerRequest(HttpObject httpObject) {
        if (httpObject instanceof HttpRequest request) {
          removeOwnVia(request);
        }
        return null;
      }
    };
  }

  /**
   * Where a CONNECT goes when the door may take it without LittleProxy: it carries the door
   * credentials (when there are any) and names a valid host. Null for every other request, which
   * LittleProxy then answers as it always does (407, the door's 400 for a bad host).
   */
  Destination takeable(HttpRequest request) {
    if (!request.method().equals(HttpMethod.CONNECT)
        || !allowed(request, HttpHeaderNames.PROXY_AUTHORIZATION)
        || invalidHost(request) != null) {
      return null;
    }
    return destination(request);
  }

  /** Whether {@code request} may pass: no door credentials, or them in {@code header}. */
  private boolean allowed(HttpRequest request, CharSequence header) {
    return credentials.isEmpty() || credentials.get().matchesBasic(request.headers().get(header));
  }

  /**
   * The 401 or 407 asking for the door credentials. The connection stays open only when no body
   * follows the request, since the request is answered before its body is read.
   */
  static FullHttpResponse challenge(
      HttpRequest request, HttpResponseStatus status, CharSequence header, String body) {
    boolean noBody =
        !HttpUtil.isTransferEncodingChunked(request) && HttpUtil.getContentLength(request, 0L) == 0;
    FullHttpResponse r =
        response(
            status, "text/plain; charset=utf-8", body, noBody && HttpUtil.isKeepAlive(request));
    if (status.equals(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED)) {
      // LittleProxy takes a 407 it is handed for its upstream's and fails on it, and it strips
      // Proxy-Authenticate; NoVia sets both on the way out.
      r = new ProxyChallenge(r);
    }
    r.headers().set(header, REALM);
    if (request.method().equals(HttpMethod.HEAD)) {
      r.content().clear();
    }
    return r;
  }

  /** A 407, handed to LittleProxy as a 401 and made a 407 again by {@link NoVia}. */
  private static final class ProxyChallenge extends DefaultFullHttpResponse {
    ProxyChallenge(FullHttpResponse r) {
      super(
          r.protocolVersion(),
          HttpResponseStatus.UNAUTHORIZED,
          r.content(),
          r.headers(),
          r.trailingHeaders());
    }
  }

  /** Removes the {@code Via} entries LittleProxy added for this door; others stay. */
  static void removeOwnVia(HttpMessage message) {
    List<String> vias = message.headers().getAll(HttpHeaderNames.VIA);
    if (vias.isEmpty()) {
      return;
    }
    List<String> kept = vias.stream().filter(v -> !OWN_VIA.matcher(v.trim()).matches()).toList();
    message.headers().remove(HttpHeaderNames.VIA);
    if (!kept.isEmpty()) {
      message.headers().set(HttpHeaderNames.VIA, kept);
    }
  }

  /**
   * Takes the door's {@code Via} off every response on its way to the browser (and gives a {@link
   * ProxyChallenge} its 407).
   */
  @ChannelHandler.Sharable
  static final class NoVia extends ChannelOutboundHandlerAdapter {
    static final String NAME = "sidestep-no-via";
    static final NoVia INSTANCE = new NoVia();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpResponse response) {
        removeOwnVia(response);
      }
      if (msg instanceof ProxyChallenge challenge) {
        challenge.setStatus(HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED);
        challenge.headers().set(HttpHeaderNames.PROXY_AUTHENTICATE, REALM);
      }
      ctx.write(msg, promise);
    }
  }

  /**
   * The answer to a connection the core could not make: the destination, the failure and the route
   * the router chose with its reason. A refusal by a rule is a 403 naming the rule.
   */
  static FullHttpResponse connectFailure(
      HttpRequest request, Destination destination, Optional<Hops.Failure> failure) {
    DoorText text = DoorText.of(request);
    String where = shown(destination, text);
    Decision decision = failure.map(Hops.Failure::decision).orElse(null);
    DialException.Kind kind = failure.map(f -> f.cause().kind()).orElse(DialException.Kind.GENERAL);
    String body;
    if (kind == DialException.Kind.REJECTED && decision != null) {
      body = text.get("door.refused", "destination", where, "reason", decision.reason()) + "\n";
    } else {
      String why =
          failure
              .map(
                  f ->
                      text.get(
                          "door.failure",
                          "headline",
                          text.get("door.kind." + kind.name()),
                          "detail",
                          String.valueOf(f.cause().getMessage())))
              .orElse(text.get("door.failure.unknown"));
      body =
          text.get("door.unreachable", "destination", where, "failure", why)
              + "\n"
              + (decision == null
                  ? ""
                  : text.get(
                          "door.route",
                          "route",
                          decision.action().toString(),
                          "reason",
                          decision.reason())
                      + "\n");
    }
    return page(request, failure.isPresent() ? status(kind) : HttpResponseStatus.BAD_GATEWAY, body);
  }

  /** The door's page in place of one LittleProxy made up, with its status and nothing it echoed. */
  static FullHttpResponse ownPage(
      HttpRequest request, HttpResponseStatus status, Destination destination) {
    DoorText text = DoorText.of(request);
    String why =
        switch (status.code()) {
          case 400, 502, 504 -> text.get("door.unserved." + status.code());
          default -> text.get("door.unserved.other", "status", String.valueOf(status.code()));
        };
    return page(
        request,
        status,
        text.get("door.unserved", "destination", shown(destination, text), "why", why) + "\n");
  }

  /** The destination as the door shows it: normalised, never the raw request text. */
  private static String shown(Destination destination, DoorText text) {
    return destination == null ? text.get("door.unserved.destination") : destination.authority();
  }

  private static FullHttpResponse page(
      HttpRequest request, HttpResponseStatus status, String body) {
    FullHttpResponse r =
        response(status, "text/plain; charset=utf-8", body, HttpUtil.isKeepAlive(request));
    if (request.method().equals(HttpMethod.HEAD)) {
      r.content().clear(); // Content-Length stays that of the body a GET would get
    }
    return r;
  }

  private static HttpResponseStatus status(DialException.Kind kind) {
    return switch (kind) {
      case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case REJECTED, RELAY_REFUSED -> HttpResponseStatus.FORBIDDEN;
      default -> HttpResponseStatus.BAD_GATEWAY;
    };
  }

  private HttpResponse pac(HttpRequest request, ChannelHandlerContext ctx) {
    String path = request.uri();
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    boolean getOrHead =
        request.method().equals(HttpMethod.GET) || request.method().equals(HttpMethod.HEAD);
    if (!path.equals("/proxy.pac")) {
      HttpResponse page = pages.answer(request, ctx);
      if (page != null) {
        return page;
      }
    }
    if (!path.equals("/proxy.pac") || !getOrHead) {
      return response(
          HttpResponseStatus.NOT_FOUND,
          "text/plain; charset=utf-8",
          DoorText.of(request).get("door.not_found") + "\n",
          HttpUtil.isKeepAlive(request));
    }
    // The address the browser reached this door at, never the Host header (that would let a page
    // write into the script).
    InetSocketAddress here = (InetSocketAddress) ctx.channel().localAddress();
    String socksHost =
        socks.getAddress() == null || socks.getAddress().isAnyLocalAddress()
            ? here.getAddress().getHostAddress()
            : socks.getAddress().getHostAddress();
    String script =
        Pac.script(
            hostPort(here.getAddress().getHostAddress(), here.getPort()),
            hostPort(socksHost, socks.getPort()));
    FullHttpResponse r =
        response(HttpResponseStatus.OK, Pac.CONTENT_TYPE, script, HttpUtil.isKeepAlive(request));
    if (request.method().equals(HttpMethod.HEAD)) {
      r.content().clear();
    }
    return r;
  }

  private static String hostPort(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * Why the host a CONNECT or absolute-form request names is no valid host (the escaped {@code
   * host: 'VALUE' (expected: …)} text), or null when it is valid or the request names none.
   */
  static String invalidHost(HttpRequest request) {
    String uri = request.uri();
    String authority = uri;
    if (!request.method().equals(HttpMethod.CONNECT)) {
      int scheme = uri.indexOf("://");
      if (scheme < 0) {
        return null;
      }
      int end = scheme + 3;
      while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) {
        end++;
      }
      authority = uri.substring(scheme + 3, end);
      authority = authority.substring(authority.lastIndexOf('@') + 1);
    }
    try {
      Destination.parse(authority, 80);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /**
   * The destination of a CONNECT or absolute-form request as LittleProxy reads it for its hop to
   * the core (so a path {@link java.net.URI} would refuse does not matter), or null when it has
   * none.
   */
  static Destination destination(HttpRequest request) {
    try {
      return request.method().equals(HttpMethod.CONNECT)
          ? Destination.parse(request.uri(), 443)
          : Destination.parse(ProxyUtils.parseHostAndPort(request), 80);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static FullHttpResponse response(
      HttpResponseStatus status, String type, String body, boolean keepAlive) {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    r.headers().set("X-Content-Type-Options", "nosniff");
    HttpUtil.setKeepAlive(r, keepAlive);
    return r;
  }
}
