package io.sidestep.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import io.sidestep.core.rules.Action;
import io.sidestep.core.rules.Decision;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The failure answers' status and body, one per kind of failure, and the door's other pages. */
class DoorFiltersTest {

  final Destination dest = Destination.of("example.com", 443);
  final DefaultHttpRequest connect =
      new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "example.com:443");

  final Decision direct = new Decision(Action.DIRECT, "rules.txt:3: MATCH,DIRECT");

  private FullHttpResponse answer(DialException.Kind kind, String message) {
    return DoorFilters.connectFailure(
        connect, dest, Optional.of(new Hops.Failure(direct, new DialException(kind, message))));
  }

  private static String body(FullHttpResponse r) {
    try {
      return r.content().toString(StandardCharsets.UTF_8);
    } finally {
      r.release();
    }
  }

  @Test
  void aTimeoutIs504() {
    FullHttpResponse r = answer(DialException.Kind.TIMEOUT, "direct to example.com:443: timed out");
    assertThat(r.status().code()).isEqualTo(504);
    assertThat(body(r))
        .isEqualTo(
            "Sidestep could not reach example.com:443: the connection timed out"
                + " (direct to example.com:443: timed out)\n"
                + "Route: DIRECT, rules.txt:3: MATCH,DIRECT\n");
  }

  @Test
  void aRefusalByTheRelaysPolicyIs403() {
    FullHttpResponse r = answer(DialException.Kind.RELAY_REFUSED, "relay refused example.com:443");
    assertThat(r.status().code()).isEqualTo(403);
    assertThat(body(r)).contains("the relay refused this destination by its policy");
  }

  @Test
  void noRelayIs502() {
    FullHttpResponse r = answer(DialException.Kind.RELAY_UNAVAILABLE, "no relay configured");
    assertThat(r.status().code()).isEqualTo(502);
    assertThat(body(r)).contains("no relay could be used (no relay configured)");
  }

  @Test
  void withoutARememberedFailureTheBodyStillNamesTheDestination() {
    FullHttpResponse r = DoorFilters.connectFailure(connect, dest, Optional.empty());
    assertThat(r.status().code()).isEqualTo(502);
    assertThat(body(r)).startsWith("Sidestep could not reach example.com:443: ");
  }

  @Test
  void aHeadRequestGetsNoBodyButTheLength() {
    DefaultHttpRequest head =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "http://example.com/");
    FullHttpResponse r =
        DoorFilters.connectFailure(head, Destination.of("example.com", 80), Optional.empty());
    try {
      assertThat(r.content().readableBytes()).isZero();
      assertThat(r.headers().getInt(HttpHeaderNames.CONTENT_LENGTH)).isPositive();
    } finally {
      r.release();
    }
  }

  @Test
  void aRefusalByARuleIs403NamingTheRule() {
    Decision reject = new Decision(Action.REJECT, "rules.txt:1: DOMAIN,example.com,REJECT");
    FullHttpResponse r =
        DoorFilters.connectFailure(
            connect,
            dest,
            Optional.of(
                new Hops.Failure(
                    reject,
                    new DialException(DialException.Kind.REJECTED, "rejected: " + reject))));
    assertThat(r.status().code()).isEqualTo(403);
    assertThat(body(r))
        .isEqualTo("Sidestep refused example.com:443: rules.txt:1: DOMAIN,example.com,REJECT\n");
  }

  @Test
  void aRefusalByARuleIsInTheBrowsersLanguage() {
    Decision reject = new Decision(Action.REJECT, "rules.txt:1: DOMAIN,example.com,REJECT");
    Optional<Hops.Failure> failure =
        Optional.of(
            new Hops.Failure(
                reject, new DialException(DialException.Kind.REJECTED, "rejected: " + reject)));
    connect.headers().set(HttpHeaderNames.ACCEPT_LANGUAGE, "ru");
    assertThat(body(DoorFilters.connectFailure(connect, dest, failure)))
        .isEqualTo(
            "Sidestep не пропустил соединение с example.com:443:"
                + " rules.txt:1: DOMAIN,example.com,REJECT\n");
    connect.headers().set(HttpHeaderNames.ACCEPT_LANGUAGE, "kk-KZ");
    assertThat(body(DoorFilters.connectFailure(connect, dest, failure)))
        .startsWith("Sidestep example.com:443 қосылымын өткізбеді: ");
  }

  @Test
  void aValueWithBracesIsNotFilledInAgain() {
    Decision odd = new Decision(Action.DIRECT, "rules.txt:2: {reason} {destination}");
    FullHttpResponse r =
        DoorFilters.connectFailure(
            connect,
            dest,
            Optional.of(
                new Hops.Failure(
                    odd, new DialException(DialException.Kind.GENERAL, "{detail} failed"))));
    assertThat(body(r))
        .isEqualTo(
            "Sidestep could not reach example.com:443: the connection failed ({detail} failed)\n"
                + "Route: DIRECT, rules.txt:2: {reason} {destination}\n");
  }

  @Test
  void aProxyChallengeLeavesAs407WithTheRealm() {
    var channel = new io.netty.channel.embedded.EmbeddedChannel(DoorFilters.NoVia.INSTANCE);
    FullHttpResponse challenge =
        DoorFilters.challenge(
            connect,
            io.netty.handler.codec.http.HttpResponseStatus.PROXY_AUTHENTICATION_REQUIRED,
            HttpHeaderNames.PROXY_AUTHENTICATE,
            "needs credentials\n");
    assertThat(challenge.status().code()).as("as LittleProxy sees it").isEqualTo(401);
    challenge.headers().remove(HttpHeaderNames.PROXY_AUTHENTICATE); // as LittleProxy does
    channel.writeOutbound(challenge);
    FullHttpResponse out = channel.readOutbound();
    assertThat(out.status().code()).isEqualTo(407);
    assertThat(out.headers().get(HttpHeaderNames.PROXY_AUTHENTICATE))
        .isEqualTo("Basic realm=\"sidestep\"");
    out.release();
    channel.finishAndReleaseAll();
  }

  @Test
  void aPathJavaNetUriRefusesStillNamesTheDestination() {
    DefaultHttpRequest get =
        new DefaultHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, "http://Example.COM:8080/{x}?q=<svg>");
    assertThat(DoorFilters.destination(get)).isEqualTo(Destination.of("example.com", 8080));
    assertThat(
            DoorFilters.destination(
                new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "http:///x")))
        .isNull();
  }

  @Test
  void onlyTheDoorsOwnViaIsRemoved() {
    var response =
        new io.netty.handler.codec.http.DefaultHttpResponse(
            HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpResponseStatus.OK);
    response.headers().add(HttpHeaderNames.VIA, "1.1 cdn.example");
    response.headers().add(HttpHeaderNames.VIA, "1.1 sidestep");
    var channel = new io.netty.channel.embedded.EmbeddedChannel(DoorFilters.NoVia.INSTANCE);
    channel.writeOutbound(response);
    io.netty.handler.codec.http.HttpResponse out = channel.readOutbound();
    assertThat(out.headers().getAll(HttpHeaderNames.VIA)).containsExactly("1.1 cdn.example");
    channel.finishAndReleaseAll();
  }
}
