package io.sidestep.server.internal;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.sidestep.core.dns.DnsFormatException;
import io.sidestep.core.dns.DnsOverHttps;
import java.util.List;
import java.util.Locale;

/**
 * Serves a user's DNS-over-HTTPS request ({@code GET ?dns=} or {@code POST} of a DNS message): the
 * query is answered by the {@link DohResponder} on the blocking pool, and the connection stays open
 * for the next one when the client wants it to.
 */
final class DohRoute {

  private final Exchange ex;

  DohRoute(Exchange ex) {
    this.ex = ex;
  }

  void start(HttpRequest r) {
    ex.record().destination("dns-query");
    if (r.method().equals(HttpMethod.GET)) {
      List<String> p = new QueryStringDecoder(r.uri()).parameters().get("dns");
      byte[] query;
      try {
        query = DnsOverHttps.decodeGetParameter(p == null ? null : p.get(0));
      } catch (DnsFormatException e) {
        ex.expectBody(
            false, () -> ex.respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), true));
        return;
      }
      ex.expectBody(false, () -> answer(query));
    } else if (r.method().equals(HttpMethod.POST)) {
      String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
      if (!type.toLowerCase(Locale.ROOT).startsWith(DnsOverHttps.MEDIA_TYPE)) {
        ex.respondToUser(
            HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
            "content type: '" + type + "' (expected: " + DnsOverHttps.MEDIA_TYPE + ")",
            false);
        return;
      }
      ex.expectBody(true, () -> answer(ex.collected()));
    } else {
      ex.respondToUser(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "DNS-over-HTTPS takes GET or POST", false);
    }
  }

  private void answer(byte[] query) {
    ex.record().dnsQuery();
    ex.record().result("ok", null);
    ex.offLoop(
        () -> {
          try {
            return ex.rc().doh().answer(query);
          } catch (DnsFormatException e) {
            return e;
          }
        },
        answer -> {
          if (answer instanceof DnsFormatException e) {
            ex.respondToUser(HttpResponseStatus.BAD_REQUEST, e.getMessage(), true);
            return;
          }
          byte[] a = (byte[]) answer;
          boolean again = ex.keepAlive();
          FullHttpResponse resp =
              HttpResponses.response(
                  ex.alloc(), HttpResponseStatus.OK, DnsOverHttps.MEDIA_TYPE, a, false, again);
          resp.headers().set("Cache-Control", "max-age=" + DohResponder.TTL);
          ex.respond(resp, again);
        });
  }
}
