package io.sidestep.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/** {@link H2RequestHead#read}: what the relay makes of a request's header list, as nginx would. */
class H2RequestHeadTest {

  private static Http2Headers headers(String... namesAndValues) {
    Http2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < namesAndValues.length; i += 2) {
      h.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return h;
  }

  private static Http2Headers get(String... more) {
    Http2Headers h =
        headers(":method", "GET", ":scheme", "https", ":authority", "example.com", ":path", "/");
    for (int i = 0; i < more.length; i += 2) {
      h.add(more[i], more[i + 1]);
    }
    return h;
  }

  private static String verdict(Http2Headers h, boolean ended) {
    return H2RequestHead.read(h, ended, new DefaultHttp2Headers(false)).name();
  }

  @Test
  void aUsersTunnelRequestPasses() {
    Http2Headers connect =
        headers(
            ":method", "CONNECT",
            ":authority", "example.com:443",
            "proxy-authorization", "Bearer abc");
    Http2Headers kept = new DefaultHttp2Headers(false);
    assertThat(H2RequestHead.read(connect, false, kept).name()).isEqualTo("OK");
    assertThat(kept).isEqualTo(connect);
  }

  @Test
  void anAbsoluteFormPathIsLeftToTheRoutes() {
    Http2Headers h =
        headers(":method", "GET", ":scheme", "https", ":path", "http://example.com/a?b");
    assertThat(verdict(h, true)).isEqualTo("OK");
  }

  @Test
  void whatNginxResetsTheStreamFor() {
    assertThat(verdict(get("X-Upper", "1"), true)).isEqualTo("RESET");
    assertThat(verdict(get("x:colon", "1"), true)).isEqualTo("RESET");
    assertThat(verdict(get("x-cr", "a\rb"), true)).isEqualTo("RESET");
    assertThat(verdict(get("x-nul", "a\0b"), true)).isEqualTo("RESET");
    assertThat(verdict(headers(":method", "GET", "x-lf", "a\nb", ":bad", "1"), true))
        .as("a bad field after a refused pseudo-header still resets")
        .isEqualTo("RESET");
  }

  @Test
  void whatNginxAnswers400For() {
    assertThat(verdict(get(":foo", "1"), true)).isEqualTo("BAD_REQUEST");
    assertThat(verdict(get(":path", "/again"), true)).isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":method", "get", ":scheme", "https", ":path", "/"), true))
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":method", "GET", ":scheme", "1x", ":path", "/"), true))
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":method", "GET", ":scheme", "https", ":path", ""), true))
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":method", "GET", ":scheme", "https", ":path", "/a\u0001"), true))
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":scheme", "https", ":path", "/"), true)).isEqualTo("BAD_REQUEST");
    assertThat(verdict(headers(":method", "GET", ":path", "/"), true)).isEqualTo("BAD_REQUEST");
    assertThat(verdict(get("content-length", "5"), true))
        .as("a body declared on a request that ended with its headers")
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(get("content-length", "5"), false)).isEqualTo("OK");
    assertThat(verdict(get("host", "example.com"), true))
        .as(":authority counts as a Host header")
        .isEqualTo("BAD_REQUEST");
    assertThat(verdict(get(":authority", "example.com"), true)).isEqualTo("BAD_REQUEST");
    assertThat(verdict(get("content-length", "0"), true)).isEqualTo("OK");
  }

  @Test
  void unusualNamesAreLeftOutAndControlsInValuesMarked() {
    Http2Headers kept = new DefaultHttp2Headers(false);
    assertThat(
            H2RequestHead.read(
                    headers(
                        ":method",
                        "GET",
                        ":scheme",
                        "https",
                        ":path",
                        "/",
                        "x_under",
                        "1",
                        "x.dot",
                        "2",
                        "x-ok",
                        "a\u0001b",
                        "host",
                        "h\u0001"),
                    true,
                    kept)
                .name())
        .isEqualTo("OK");
    assertThat(kept.contains("x_under")).isFalse();
    assertThat(kept.contains("x.dot")).isFalse();
    assertThat(kept.get("x-ok").toString()).isEqualTo("a\u00ffb");
    assertThat(kept.get("host").toString()).as("Host keeps its bytes").isEqualTo("h\u0001");
  }
}
