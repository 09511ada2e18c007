package io.sidestep.client.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.sidestep.client.dial.RecentFailures;
import io.sidestep.core.netty.DialException;
import io.sidestep.core.route.Destination;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The failure answers' status and body, one per kind of failure. */
class DoorFiltersTest {

  final Destination dest = Destination.of("example.com", 443);
  final DefaultHttpRequest connect =
      new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "example.com:443");

  private FullHttpResponse answer(DialException.Kind kind, String message) {
    return DoorFilters.connectFailure(
        connect, dest, Optional.of(new RecentFailures.Failure(kind, message)));
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
                + " (direct to example.com:443: timed out)\n");
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
}
