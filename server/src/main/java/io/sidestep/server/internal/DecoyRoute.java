package io.sidestep.server.internal;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.Date;

/**
 * Answers a stranger (or a user asking for an ordinary page) as the decoy site, the way a stock
 * nginx serving static files would: the same refusals, 405 for methods a static site lacks, and its
 * header order on pages found.
 */
final class DecoyRoute {

  private final Exchange ex;

  DecoyRoute(Exchange ex) {
    this.ex = ex;
  }

  void start(HttpRequest r) {
    ex.record().result("decoy", null);
    HttpMethod m = r.method();
    String uri = r.uri();
    // What nginx refuses before it looks for a file, closing the connection: another HTTP major
    // version (505), an authority-form (CONNECT) or asterisk target, HTTP/1.1 without Host, two
    // Host headers, a path that climbs above the root (400).
    HttpResponseStatus refused = null;
    if (r.protocolVersion().majorVersion() != 1) {
      refused = HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED;
    } else if (m.equals(HttpMethod.CONNECT)
        || !(uri.startsWith("/") || ForwardRoute.isAbsolute(uri))
        || (r.protocolVersion().minorVersion() >= 1 && !r.headers().contains(HttpHeaderNames.HOST))
        || r.headers().getAll(HttpHeaderNames.HOST).size() > 1
        || DecoySite.climbsAboveRoot(uri)) {
      refused = HttpResponseStatus.BAD_REQUEST;
    }
    if (refused != null) {
      ex.respond(HttpResponses.error(ex.alloc(), refused, false, false), false);
      return;
    }
    boolean again = ex.keepAlive();
    if (!m.equals(HttpMethod.GET) && !ex.head()) {
      // A static site: 405 once the body has been read, and the connection stays open.
      ex.expectBody(
          false,
          () ->
              ex.respond(
                  HttpResponses.error(
                      ex.alloc(), HttpResponseStatus.METHOD_NOT_ALLOWED, false, again),
                  again));
      return;
    }
    ex.expectBody(false, () -> serve(uri, again));
  }

  private void serve(String uri, boolean again) {
    DecoySite site = ex.rc().decoy();
    if (!site.blocking()) {
      ex.respond(toResponse(site.page(uri), again), again);
      return;
    }
    ex.offLoop(() -> site.page(uri), page -> ex.respond(toResponse(page, again), again));
  }

  private FullHttpResponse toResponse(DecoySite.Page page, boolean again) {
    DecoySite site = ex.rc().decoy();
    FullHttpResponse resp =
        HttpResponses.response(
            ex.alloc(), page.status(), page.contentType(), page.body(), ex.head(), again);
    if (page.status().equals(HttpResponseStatus.OK)) {
      // nginx puts Last-Modified before Connection, then ETag and Accept-Ranges.
      String connection = resp.headers().get("Connection");
      resp.headers()
          .remove("Connection")
          .set("Last-Modified", DateFormatter.format(Date.from(site.started())))
          .set("Connection", connection)
          .set(
              "ETag",
              "\""
                  + Long.toHexString(site.started().getEpochSecond())
                  + "-"
                  + Integer.toHexString(page.body().length)
                  + "\"")
          .set("Accept-Ranges", "bytes");
    }
    return resp;
  }
}
