package io.sidestep.client.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.sidestep.client.dial.RecentFailures;
import io.sidestep.client.pac.Pac;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import io.sidestep.core.rules.Router;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.littleshoot.proxy.HttpFilters;
import org.littleshoot.proxy.HttpFiltersAdapter;
import org.littleshoot.proxy.HttpFiltersSourceAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP door's own answers: {@code GET /proxy.pac} (an origin-form request to the door itself)
 * gets the PAC file, a destination a rule rejects gets a 403 naming the rule instead of a bare 502,
 * LittleProxy's own bare 502 for a connection the core could not make is replaced by one saying why
 * (from {@link RecentFailures}; 504 for a timeout, 403 for a refusal by a rule or the relay's
 * policy), and the {@code Via} header LittleProxy adds is removed so origins see no proxy header.
 */
final class DoorFilters extends HttpFiltersSourceAdapter {

  private static final Logger LOG = LoggerFactory.getLogger(DoorFilters.class);
  private static final Logger CONNECTIONS =
      LoggerFactory.getLogger("io.sidestep.client.connection");

  private final Router router;
  private final InetSocketAddress socks;
  private final RecentFailures failures;

  DoorFilters(Router router, InetSocketAddress socks, RecentFailures failures) {
    this.router = router;
    this.socks = socks;
    this.failures = failures;
  }

  @Override
  public HttpFilters filterRequest(HttpRequest originalRequest, ChannelHandlerContext ctx) {
    return new HttpFiltersAdapter(originalRequest, ctx) {
      // A 502 after LittleProxy started its hop to the core and before any response came from the
      // far end is its own "could not connect" answer; an origin's 502 comes through
      // serverToProxyResponseReceiving first. (Neither its failure callback, which runs only after
      // that 502 is written, nor its success callback, which a SOCKS5 chain never fires, can serve
      // here.) Set and read on LittleProxy's different worker threads.
      private volatile boolean connecting;
      private volatile boolean fromServer;

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
        if (connecting
            && !fromServer
            && httpObject instanceof HttpResponse response
            && response.status().code() == HttpResponseStatus.BAD_GATEWAY.code()) {
          Destination destination = destination(originalRequest);
          if (destination != null) {
            ReferenceCountUtil.release(httpObject);
            return connectFailure(originalRequest, destination, failures.recent(destination));
          }
        }
        return httpObject;
      }

      @Override
      public HttpResponse clientToProxyRequest(HttpObject httpObject) {
        if (!(httpObject instanceof HttpRequest request)) {
          return null;
        }
        String uri = request.uri();
        if (uri.startsWith("/")) {
          return pac(request, ctx);
        }
        String badHost = invalidHost(request);
        if (badHost != null) {
          LOG.info(
              "http door: bad destination from {}: {}", ctx.channel().remoteAddress(), badHost);
          return response(
              HttpResponseStatus.BAD_REQUEST,
              "text/plain; charset=utf-8",
              "Sidestep cannot go there: " + badHost + "\n",
              false);
        }
        Destination destination = destination(request);
        if (destination == null) {
          return null;
        }
        Decision decision;
        try {
          decision = router.decide(destination);
        } catch (RuntimeException e) {
          return null; // the core decides again and reports the failure
        }
        if (decision.action() == Action.REJECT) {
          CONNECTIONS.info(
              "door=http dest={} route=reject reason=\"{}\" up=0 down=0 ms=0 result=\"refused\"",
              destination,
              decision.reason());
          return response(
              HttpResponseStatus.FORBIDDEN,
              "text/plain; charset=utf-8",
              "Sidestep refused " + destination + ": " + decision.reason() + "\n",
              false);
        }
        return null;
      }

      @Override
      public HttpResponse proxyToServerRequest(HttpObject httpObject) {
        if (httpObject instanceof HttpRequest request) {
          request.headers().remove(HttpHeaderNames.VIA);
        }
        return null;
      }
    };
  }

  /** The answer to a connection the core could not make, naming the destination and the reason. */
  static FullHttpResponse connectFailure(
      HttpRequest request, Destination destination, Optional<RecentFailures.Failure> failure) {
    HttpResponseStatus status =
        failure.map(f -> status(f.kind())).orElse(HttpResponseStatus.BAD_GATEWAY);
    String why =
        failure
            .map(f -> headline(f.kind()) + " (" + f.message() + ")")
            .orElse("the connection failed (the client's log says why)");
    FullHttpResponse r =
        response(
            status,
            "text/plain; charset=utf-8",
            "Sidestep could not reach " + destination + ": " + why + "\n",
            HttpUtil.isKeepAlive(request));
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

  private static String headline(DialException.Kind kind) {
    return switch (kind) {
      case REJECTED -> "a rule rejected it";
      case RELAY_REFUSED -> "the relay refused this destination by its policy";
      case NAME_NOT_RESOLVED -> "the name did not resolve";
      case CONNECTION_REFUSED -> "the destination refused the connection";
      case UNREACHABLE -> "the destination could not be reached";
      case TIMEOUT -> "the connection timed out";
      case RELAY_UNREACHABLE_DESTINATION -> "the relay could not reach the destination";
      case RELAY_UNAVAILABLE -> "no relay could be used";
      case OVERLOADED -> "too many look-ups at once";
      case GENERAL -> "the connection failed";
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
    if (!path.equals("/proxy.pac") || !getOrHead) {
      return response(
          HttpResponseStatus.NOT_FOUND,
          "text/plain; charset=utf-8",
          "This is the Sidestep HTTP proxy; its PAC file is at /proxy.pac\n",
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

  /** The destination of a CONNECT or absolute-form request, or null when it has none. */
  static Destination destination(HttpRequest request) {
    try {
      if (request.method().equals(HttpMethod.CONNECT)) {
        return Destination.parse(request.uri(), 443);
      }
      URI uri = new URI(request.uri());
      if (uri.getHost() == null) {
        return null;
      }
      int port =
          uri.getPort() > 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      return Destination.of(uri.getHost(), port);
    } catch (Exception e) {
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
    HttpUtil.setKeepAlive(r, keepAlive);
    return r;
  }
}
